import CHDF5

extension H5File {
    /// Values of a numeric dataset, converted to Double, row-major.
    public func readDouble(_ dataset: String) throws -> (shape: [Int], values: [Double]) {
        try readArray(dataset, memoryType: chdf5_native_double(), strict: false)
    }

    /// Like `readDouble`, but also reads IEEE half floats (float16), exactly: nlb_tools and
    /// h5py store binned spike counts that way, and every half value is a Double.
    public func readDoubleAcceptingHalf(_ dataset: String) throws -> (shape: [Int], values: [Double]) {
        try readArray(dataset, memoryType: chdf5_native_double(), strict: false, acceptHalf: true)
    }

    /// Values of a numeric dataset, converted (rounding if needed) to Float, row-major.
    public func readFloat(_ dataset: String) throws -> (shape: [Int], values: [Float]) {
        try readArray(dataset, memoryType: chdf5_native_float(), strict: false)
    }

    /// Values of a numeric dataset as Int64; fractional, NaN or out-of-range values throw.
    public func readInt64(_ dataset: String) throws -> (shape: [Int], values: [Int64]) {
        try readArray(dataset, memoryType: chdf5_native_int64(), strict: true)
    }

    /// Values of a numeric dataset as UInt8 (bytes, masks); values outside 0...255 throw.
    public func readUInt8(_ dataset: String) throws -> (shape: [Int], values: [UInt8]) {
        try readArray(dataset, memoryType: chdf5_native_uint8(), strict: true)
    }

    /// `strict` makes HDF5 refuse lossy conversions, which it otherwise does silently
    /// (clamping 300 to 255, truncating 0.5 to 0).
    private func readArray<T>(_ dataset: String, memoryType: hid_t, strict: Bool, acceptHalf: Bool = false) throws
        -> (shape: [Int], values: [T])
    {
        try withDataset(dataset) { did, type in
            let kind = elementKind(of: type)
            guard kind.isNumeric || (acceptHalf && kind == .other("float16")) else {
                throw StoreError.unsupportedType(file: path, dataset: display(dataset), type: kind.description,
                                                 expected: "integer or float (8-64 bit) numbers")
            }
            let shape = try shape(of: did, dataset)
            let count = shape.reduce(1, *)
            // HDF5 has nothing to read for an empty selection and a nil buffer would be rejected.
            guard count > 0 else { return (shape, []) }

            let failure = ConversionFailure()
            let dxpl = strict ? makeStrictTransfer(failure) : H5Pcreate(chdf5_p_dataset_xfer())
            guard dxpl >= 0 else { throw readFailure(dataset) }
            defer { H5Pclose(dxpl) }
            // The conversion callback holds `failure` unretained; keep it alive through H5Dread.
            let values = try withExtendedLifetime(failure) { try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard H5Dread(did, memoryType, chdf5_s_all(), chdf5_s_all(), dxpl, buffer.baseAddress) >= 0 else {
                    if let problem = failure.problem {
                        H5Eclear2(chdf5_e_default())
                        throw StoreError.unrepresentable(
                            file: path, dataset: display(dataset),
                            problem: "holds \(problem) (stored as \(kind)); cannot read it as \(T.self)")
                    }
                    throw readFailure(dataset)
                }
                initialized = count
            } }
            return (shape, values)
        }
    }
}
