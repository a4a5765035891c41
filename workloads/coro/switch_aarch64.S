/* switch_aarch64.S - the coroutine register swap for AArch64 (AAPCS64).
 *
 * A switch is an ordinary call, so the caller has already saved every
 * caller-saved register; only the callee-saved ones (x19-x28, the frame
 * pointer x29, the link register x30, the low halves d8-d15 of v8-v15)
 * and the floating-point control register FPCR must survive it. FPCR is
 * per coroutine as MXCSR is on x86-64: a coroutine that changes its
 * rounding mode changes no other's. They go on the old stack, the stack
 * pointers are swapped, and the new side's copies are loaded; FPCR is
 * written only when it differs, as writing it can stall the pipeline.
 *
 * Frame left on a suspended stack (176 bytes, keeping sp 16-byte
 * aligned), lowest address first:
 *	x19 x20 x21 x22 x23 x24 x25 x26 x27 x28 x29 x30
 *	d8 d9 d10 d11 d12 d13 d14 d15, fpcr, pad
 * coro.c builds the same frame for a coroutine that has not run yet.
 */
#if defined(__aarch64__)

	.text

/* void coro_switch_ctx(void **save_sp, void *load_sp) */
	.globl	coro_switch_ctx
	.type	coro_switch_ctx, %function
	.p2align 4
coro_switch_ctx:
	.cfi_startproc
	sub	sp, sp, #176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]
	mov	x10, sp
	str	x10, [x0]

	mov	sp, x1
	ldr	x10, [sp, #160]
	cmp	x9, x10
	b.eq	1f
	msr	fpcr, x10
1:	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #176
	ret
	.cfi_endproc
	.size	coro_switch_ctx, .-coro_switch_ctx

/* First code a new coroutine runs: its record is in x19 (from the built
 * frame) and sp is 16-byte aligned, as the ABI requires everywhere. */
	.globl	coro_entry_trampoline
	.type	coro_entry_trampoline, %function
	.p2align 4
coro_entry_trampoline:
	.cfi_startproc
	.cfi_undefined x30
	mov	x0, x19
	bl	coro_entry
	brk	#0
	.cfi_endproc
	.size	coro_entry_trampoline, .-coro_entry_trampoline

#endif /* __aarch64__ */

	.section .note.GNU-stack,"",%progbits
