#include "textflag.h"

// func sepMasks(masks []uint64, b []byte, sep byte)
//
// For each j < len(masks), masks[j] gets a bit per byte of b[64*j:64*j+64]
// (the first byte in bit 0), set where the byte is sep: sixteen bytes are
// compared at once (SSE2, which every amd64 processor has) and their top
// bits gathered.
TEXT ·sepMasks(SB), NOSPLIT, $0-49
	MOVQ    masks_base+0(FP), DI
	MOVQ    masks_len+8(FP), CX
	MOVQ    b_base+24(FP), SI
	MOVBQZX sep+48(FP), AX
	MOVQ    AX, X0
	PUNPCKLBW X0, X0
	PUNPCKLWL X0, X0
	PSHUFL  $0, X0, X0
	TESTQ   CX, CX
	JEQ     done

loop:
	MOVOU    (SI), X1
	MOVOU    16(SI), X2
	MOVOU    32(SI), X3
	MOVOU    48(SI), X4
	PCMPEQB  X0, X1
	PCMPEQB  X0, X2
	PCMPEQB  X0, X3
	PCMPEQB  X0, X4
	PMOVMSKB X1, AX
	PMOVMSKB X2, BX
	PMOVMSKB X3, DX
	PMOVMSKB X4, R8
	SHLQ     $16, BX
	SHLQ     $32, DX
	SHLQ     $48, R8
	ORQ      BX, AX
	ORQ      DX, AX
	ORQ      R8, AX
	MOVQ     AX, (DI)
	ADDQ     $64, SI
	ADDQ     $8, DI
	DECQ     CX
	JNZ      loop

done:
	RET
