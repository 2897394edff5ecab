// The system OpenBLAS's CBLAS interface, used only with the `OpenBLAS` package trait.
#include <cblas.h>
