#ifndef DLG_MACHINE_PROBE_H
#define DLG_MACHINE_PROBE_H

/// The two physical limits of a roofline, probed on this CPU: how fast one core can do
/// fused multiply-adds, and how fast it can read memory. In C because both need the widest
/// vectors the CPU has (AVX-512, else AVX2 with FMA: `dlg_vector_lanes`), which the Swift
/// kernels, built for x86-64-v3, do not use.

/// Runs `iterations` rounds of fused multiply-adds on 12 independent vector registers (enough
/// to keep every FMA unit busy through its latency) and returns the floating-point
/// operations done: iterations × 12 × lanes × 2.
double dlg_probe_fma(long iterations);

/// Reads `count` floats from `x` with 8 vector accumulators and returns their sum (which the
/// caller keeps, so the reads cannot be optimized away).
float dlg_probe_read(const float *x, long count);

/// The float lanes of the vectors the two probes use here: 16 (AVX-512), 8 (AVX2 and FMA) or
/// 1 (a portable loop).
int dlg_probe_lanes(void);

#endif
