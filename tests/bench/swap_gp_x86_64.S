/* swap_gp_x86_64.S - for comparison only: the runtime's register swap
 * (workloads/coro/switch_x86_64.S) without saving and loading the SSE and
 * x87 control words, so that the benchmark can show what keeping them per
 * coroutine costs. Same frame layout; the control-word slot is left as
 * it is. */
#if defined(__x86_64__)

	.text

/* void bench_switch_gp(void **save_sp, void *load_sp) */
	.globl	bench_switch_gp
	.type	bench_switch_gp, @function
	.p2align 4
bench_switch_gp:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	movq	%rsp, (%rdi)

	movq	%rsi, %rsp
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
	.size	bench_switch_gp, .-bench_switch_gp

#endif /* __x86_64__ */

	.section .note.GNU-stack,"",@progbits
