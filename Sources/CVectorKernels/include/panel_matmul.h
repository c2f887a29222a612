#ifndef DLG_PANEL_MATMUL_H
#define DLG_PANEL_MATMUL_H

#include <stdint.h>

/// Products of a few f32 rows with a weight matrix packed in panels: what a Dense layer runs
/// at small batches in a plan that only predicts. Such a product reads each weight once, so
/// its time is the time to stream the weights; panels make that one pass through memory in
/// order, and int8 weights (`dlg quantize`) make it a quarter of the bytes. In C because the
/// conversions and fused multiply-adds need AVX-512 or AVX2 intrinsics, chosen at run time
/// (CPUID), with a portable loop on other CPUs.
///
/// A `[k, n]` matrix is packed in panels of 16 columns: panel p holds column 16p + j of input
/// row i at `panels[(p * k + i) * 16 + j]`, zero past the last column. int8 panels have
/// `scales`, 16 per panel (zero past the last column); f32 panels have none.
///
/// For panels `first` to `last - 1`: y[r][16p + j] = sum_i x[r][i] w[i][16p + j] (times
/// scales[16p + j] for int8) for each of the `m` rows (row strides `ldx` and `ldy` in floats),
/// for the columns below `n`. Different panel ranges write different columns, so threads may
/// take one range each.
void dlg_int8_panels_matmul(int m, int k, int n, const float *x, int ldx, const int8_t *panels,
                            const float *scales, int first, int last, float *y, int ldy);
void dlg_f32_panels_matmul(int m, int k, int n, const float *x, int ldx, const float *panels,
                           int first, int last, float *y, int ldy);

/// The path is the one `dlg_vector_lanes` names (vector_lanes.h).

#endif
