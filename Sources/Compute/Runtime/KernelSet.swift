import CKernels
import Foundation

/// Which hand-vectorised kernels the core runs. The AVX2 block kernels (CKernels) when the
/// CPU has AVX2, FMA and F16C, unless `STRATA_KERNELS=portable`; otherwise the portable Swift
/// kernels, which every x86-64 and arm64 CPU runs. Tests and benchmarks switch `useAVX2` to
/// compare both on one machine.
public enum KernelSet {
    /// Whether this CPU can run the AVX2 kernels.
    public static let avx2Available: Bool = strata_has_avx2() == 1

    /// Whether the AVX2 kernels are used (settable only to false where unavailable).
    nonisolated(unsafe) public static var useAVX2: Bool = avx2Available
        && ProcessInfo.processInfo.environment["STRATA_KERNELS"] != "portable" {
        didSet { if !avx2Available { useAVX2 = false } }
    }

    /// The kernels in use, for reports.
    public static var description: String { useAVX2 ? "avx2" : "portable" }
}
