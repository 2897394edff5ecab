// Clears the macros one gemm_template.h variant was built with, before gemm.c defines the next.
#undef GEMM_NAME
#undef GEMM_T
#undef GEMM_VEC
#undef GEMM_W
#undef GEMM_MR
#undef GEMM_NV
#undef GEMM_MC
#undef GEMM_KC
#undef GEMM_NC
#undef GEMM_ZERO
#undef GEMM_LOAD
#undef GEMM_STORE
#undef GEMM_SET1
#undef GEMM_FMA
#undef GEMM_ADD
#undef GEMM_SUM
