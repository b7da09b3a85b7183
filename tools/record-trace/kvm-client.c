/*
 * tools/record-trace/kvm-client.c - the workload of the recorded trace: a
 * tiny KVM client (one VM, one vCPU, real mode) whose guest loops over
 * CPUID, OUT to port 0x10, a write to unbacked guest-physical memory
 * (MMIO) and, every 16 rounds, HLT. Built statically and run inside the
 * QEMU guest by record.sh under `trace-cmd record -e kvm`.
 *
 * Usage: kvm-client [HALTS]   (default 3: it stops after that many HLTs)
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

/* mov si,16; l: cpuid; out 0x10,al; mov [0x8000],al; dec si; jnz l; hlt; jmp 0 */
static const unsigned char guest_code[] = {
	0xbe, 0x10, 0x00, 0x0f, 0xa2, 0xe6, 0x10, 0xa2, 0x00, 0x80,
	0x4e, 0x75, 0xf6, 0xf4, 0xeb, 0xf0,
};

#define MEM_SIZE 0x4000		/* guest RAM: 0..16 KiB; 0x8000 is MMIO */
#define CODE_AT 0x1000

static int die(const char *what)
{
	perror(what);
	return 1;
}

static int setup_vcpu(int vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_AT;
	regs.rflags = 2;
	return ioctl(vcpu, KVM_SET_REGS, &regs);
}

int main(int argc, char **argv)
{
	int halts = argc > 1 ? atoi(argv[1]) : 3, io = 0, mmio = 0;
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0)
		return die("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm < 0)
		return die("KVM_CREATE_VM");
	unsigned char *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return die("mmap");
	memcpy(mem + CODE_AT, guest_code, sizeof(guest_code));
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
		.userspace_addr = (unsigned long)mem,
	};

	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return die("KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);

	if (vcpu < 0)
		return die("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, vcpu, 0);

	if (run == MAP_FAILED || setup_vcpu(vcpu) < 0)
		return die("vcpu setup");
	while (halts > 0) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return die("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			halts--;
			break;
		case KVM_EXIT_IO:
			io++;
			break;
		case KVM_EXIT_MMIO:
			mmio++;
			break;
		default:
			fprintf(stderr, "kvm-client: exit reason %u\n", run->exit_reason);
			return 1;
		}
	}
	printf("kvm-client: %d io, %d mmio exits to userspace\n", io, mmio);
	return 0;
}
