package scan

// sepMasks sets masks[j], for each j < len(masks), to a bit per byte of
// b[64*j:64*j+64] (the first byte in bit 0), set where the byte is sep; b
// must hold 64*len(masks) bytes. It is written in assembly
// (sepmask_amd64.s).
//
//go:noescape
func sepMasks(masks []uint64, b []byte, sep byte)
