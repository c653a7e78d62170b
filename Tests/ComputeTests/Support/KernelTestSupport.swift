import Compute
import XCTest

/// Asserts that `expression` throws a `TensorError` whose message contains every string in
/// `fragments` (shapes rendered like `[2, 3]`, ids, sizes).
func assertKernelError<T>(_ expression: @autoclosure () throws -> T, mentions fragments: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        XCTAssertTrue(error is TensorError, "expected a TensorError, got \(error)", file: file, line: line)
        let message = "\(error)"
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "message \"\(message)\" does not mention \(fragment)",
                          file: file, line: line)
        }
    }
}

/// A contiguous constant (no gradient) with Normal(0, scale²) entries.
func constant(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.randn(shape, std: scale, generator: &generator)
}

/// Row-major `[m, k] · [k, n]` by the definition, in Double.
func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var total = 0.0
            for p in 0..<k { total += Double(a[i * k + p]) * Double(b[p * n + j]) }
            c[i * n + j] = Float(total)
        }
    }
    return c
}

/// The transpose of a row-major `[rows, columns]` array.
func naiveTranspose(_ a: [Float], rows: Int, columns: Int) -> [Float] {
    var t = [Float](repeating: 0, count: a.count)
    for i in 0..<rows {
        for j in 0..<columns { t[j * rows + i] = a[i * columns + j] }
    }
    return t
}

/// Runs `body` on `threads` threads, comparing the AVX2 and portable kernels (the body switches
/// `KernelSet.useAVX2`), and restores both settings after; skipped on a CPU without AVX2.
func comparingKernelSets(threads: Int, _ body: () throws -> Void) throws {
    try XCTSkipUnless(KernelSet.avx2Available, "this CPU has no AVX2/FMA/F16C")
    let previous = KernelSet.useAVX2
    defer { KernelSet.useAVX2 = previous }
    try withThreads(threads, body)
}

/// Runs `body` on `count` threads, then restores the count it found (other tests' settings
/// must not leak into a comparison between thread counts).
func withThreads<T>(_ count: Int, _ body: () throws -> T) throws -> T {
    let previous = Threads.count
    try Threads.set(count)
    defer { try? Threads.set(previous) }
    return try body()
}
