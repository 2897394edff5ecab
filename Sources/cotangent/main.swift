import Cotangent

/// `cotangent tour`: the seed tutorial, run end to end.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "tour":
    Tour.run()
default:
    print("usage: cotangent tour")
}
