#ifndef DLG_INT8_MATMUL_H
#define DLG_INT8_MATMUL_H

#include <stdint.h>

/// Products of f32 rows with int8 weights (weight-only int8, f32 compute): what a Dense layer
/// of a `dlg quantize`d model runs at small batches, where the product is bound by reading the
/// weights and int8 reads a quarter of the bytes. In C because the sign-extending int8 to f32
/// conversions and fused multiply-adds need AVX2 intrinsics, chosen at run time (CPUID), with a
/// portable loop on other CPUs.
///
/// The weights are packed in panels of 16 output columns: panel p holds column 16p + j of
/// input row i at `panels[(p * k + i) * 16 + j]`, zero past the last column, so a panel streams
/// through memory in order; `scales` has 16 per panel (zero past the last column).
///
/// For panels `first` to `last - 1`: y[r][16p + j] = scales[16p + j] * sum_i x[r][i] w[i][16p
/// + j] for each of the `m` rows (row strides `ldx` and `ldy` in floats), for the columns below
/// `n`. Different panel ranges write different columns, so threads may take one range each.
void dlg_int8_matmul_panels(int m, int k, int n, const float *x, int ldx, const int8_t *panels,
                            const float *scales, int first, int last, float *y, int ldy);

/// 1 when the AVX2 path runs on this CPU, else 0.
int dlg_int8_matmul_uses_avx2(void);

#endif
