#ifndef DLG_VECTOR_LANES_H
#define DLG_VECTOR_LANES_H

/// The float lanes of the widest vectors this CPU and OS can use, within the cap: 16
/// (AVX-512F), 8 (AVX2 and FMA) or 1 (the kernels' portable loops). Every kernel of this
/// module picks its path by it.
int dlg_vector_lanes(void);

/// The same without the cap: what the CPU has. Choices that must not change while a plan
/// lives (which kernel a layer gets, and so its scratch) depend on this one only.
int dlg_vector_lanes_available(void);

/// Caps the vectors the kernels use at `lanes` floats (16 by default): tests run every path
/// a CPU has this way.
void dlg_cap_vector_lanes(int lanes);

#endif
