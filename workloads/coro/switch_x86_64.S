/* switch_x86_64.S - the coroutine register swap for x86-64 (System V ABI).
 *
 * A switch is an ordinary call, so the caller has already saved every
 * caller-saved register; only the callee-saved ones (rbx, rbp, r12-r15),
 * the SSE control/status word and the x87 control word must survive it.
 * They go on the old stack, the stack pointers are swapped, and the new
 * side's copies are popped. The return address is popped and jumped to
 * rather than reached by `ret`: the return stack buffer predicted a return
 * to the caller of this call, not to the other coroutine, and a `ret`
 * mispredicts every time.
 *
 * Frame left on a suspended stack, lowest address first:
 *	mxcsr (4 bytes), x87 cw (2), pad (2), r15, r14, r13, r12, rbx, rbp, rip
 * coro.c builds the same frame for a coroutine that has not run yet.
 */
#if defined(__x86_64__)

	.text

/* void coro_switch_ctx(void **save_sp, void *load_sp) */
	.globl	coro_switch_ctx
	.type	coro_switch_ctx, @function
	.p2align 4
coro_switch_ctx:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)

	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	popq	%rcx
	jmpq	*%rcx
	.cfi_endproc
	.size	coro_switch_ctx, .-coro_switch_ctx

/* First code a new coroutine runs: its record is in r12 (from the built
 * frame) and rsp is 16-byte aligned, as a call site must be. */
	.globl	coro_entry_trampoline
	.type	coro_entry_trampoline, @function
	.p2align 4
coro_entry_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r12, %rdi
	call	coro_entry@PLT
	ud2
	.cfi_endproc
	.size	coro_entry_trampoline, .-coro_entry_trampoline

#endif /* __x86_64__ */

	.section .note.GNU-stack,"",@progbits
