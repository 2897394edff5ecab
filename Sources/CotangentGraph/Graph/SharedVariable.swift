import Synchronization
import CotangentArrays

/// The storage of a shared variable: a value that lives between calls of compiled functions
/// (PyTensor's `shared`), read when a graph needs it and written by `updates`.
public final class SharedStorage: Sendable {
    private let value: Mutex<NDArray>
    /// How many random draws have been built on this storage's variable (a generator's).
    private let draws = Mutex<UInt64>(0)
    /// The static type every stored value must fit.
    public let type: TensorType

    package init(_ value: NDArray, type: TensorType) {
        self.value = Mutex(value)
        self.type = type
        if type.isRandomGenerator { Self.liveGenerators.add(1, ordering: .relaxed) }
    }

    deinit {
        if type.isRandomGenerator { Self.liveGenerators.subtract(1, ordering: .relaxed) }
    }

    /// How many random generators' storages exist. A graph can read a generator only while it
    /// exists, so with none there is no generator to advance by default, and compiling skips
    /// the walk over the whole graph that looks for one.
    private static let liveGenerators = Atomic<Int>(0)

    /// Whether any random generator's storage exists (see ``liveGenerators``).
    package static var anyGeneratorExists: Bool { liveGenerators.load(ordering: .relaxed) > 0 }

    /// The current value.
    public func get() -> NDArray { value.locked { $0 } }

    /// The stream number of the next random draw built on this generator: 0, 1, 2, … in the
    /// order the draws are built, so a program that builds the same graph gets the same numbers.
    package func nextDrawStream() -> UInt64 {
        draws.locked { count in
            defer { count += 1 }
            return count
        }
    }

    /// Replaces the value.
    ///
    /// - Throws: ``CotangentError`` when the value's dtype or rank does not fit the type.
    public func set(_ newValue: NDArray) throws {
        guard newValue.dtype == type.dtype, type.accepts(shape: newValue.shape) else {
            throw CotangentError(
                .inputMismatch,
                "shared variable of type \(type) cannot hold an array of dtype \(newValue.dtype) and shape "
                    + "\(formatShape(newValue.shape))")
        }
        value.locked { $0 = newValue }
    }
}

extension Variable {
    /// A shared variable: a graph input whose value is kept between calls (PyTensor's
    /// `shared(value, name)`). Its static shape is unknown in every dimension, since updates may
    /// change it.
    ///
    /// ```swift
    /// let w = Tensor.shared(NDArray([0.0, 0.0]), name: "w")
    /// let step = try function(inputs: [x], outputs: [loss], updates: [w: w - 0.1 * grad(loss, wrt: w)])
    /// ```
    public static func shared(_ value: NDArray, name: String? = nil) -> Variable {
        let type = TensorType(dtype: value.dtype, shape: value.shape.map { _ in nil })
        return Variable(type: type, name: name, shared: SharedStorage(value.contiguous(), type: type))
    }

    /// A shared variable of an explicit type (a random generator's).
    package static func shared(_ value: NDArray, type: TensorType, name: String?) -> Variable {
        Variable(type: type, name: name, shared: SharedStorage(value.contiguous(), type: type))
    }

    /// The current value of a shared variable (nil for other variables).
    public var sharedValue: NDArray? { sharedStorage?.get() }

    /// Sets the value of a shared variable.
    ///
    /// - Throws: ``CotangentError`` when this is not a shared variable or the value does not fit.
    public func setSharedValue(_ value: NDArray) throws {
        guard let sharedStorage else {
            throw CotangentError(.invalidValue, "\(self) is not a shared variable")
        }
        try sharedStorage.set(value)
    }
}
