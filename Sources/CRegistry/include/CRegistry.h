// The bounds of the `dlg_registry` linker section, where every file that registers something
// (an op, a layer, an activation, a kernel) places one function pointer with Swift's
// `@section("dlg_registry")`. ELF linkers define `__start_`/`__stop_` symbols for a section
// whose name is a C identifier; Swift cannot declare such symbols, so this header does.
// The same mechanism lets Swift Testing discover tests without a list.
#ifndef DLG_REGISTRY_H
#define DLG_REGISTRY_H

typedef void (*dlg_registrar)(void);

extern const dlg_registrar __start_dlg_registry[] __attribute__((weak, visibility("hidden")));
extern const dlg_registrar __stop_dlg_registry[] __attribute__((weak, visibility("hidden")));

/// The first registrar linked into the program (NULL when there is none).
static inline const dlg_registrar *dlg_registry_begin(void) { return __start_dlg_registry; }
/// One past the last registrar.
static inline const dlg_registrar *dlg_registry_end(void) { return __stop_dlg_registry; }

#endif
