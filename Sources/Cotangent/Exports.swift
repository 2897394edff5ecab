// `import Cotangent` gives the whole library: every layer's public API, re-exported here.
@_exported import CotangentArrays
@_exported import CotangentEngine
@_exported import CotangentExport
@_exported import CotangentGraph
@_exported import CotangentOps
@_exported import CotangentRewriting
