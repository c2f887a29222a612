// Open MPI for Swift. mpi.h defines its handles (the world communicator, datatypes, reduction
// operations, MPI_IN_PLACE) as macros over global objects, which Swift cannot import; these
// inline functions hand them over. Nothing else is wrapped: the MPI functions import as they
// are.
#ifndef DLG_CMPI_SHIM_H
#define DLG_CMPI_SHIM_H

#include <mpi.h>

static inline MPI_Comm dlg_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype dlg_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype dlg_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype dlg_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op dlg_mpi_sum(void) { return MPI_SUM; }
static inline void *dlg_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler dlg_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int dlg_mpi_success(void) { return MPI_SUCCESS; }
static inline int dlg_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
