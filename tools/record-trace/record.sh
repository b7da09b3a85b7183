#!/bin/sh
# tools/record-trace/record.sh - record real KVM trace.dat files without
# /dev/kvm on the host: Debian 12's kernel boots under QEMU's TCG with an
# AMD EPYC CPU model (TCG emulates SVM with nested paging, so kvm_amd
# loads), and inside it `trace-cmd record -e kvm` traces kvm-client.c.
#
#   tools/record-trace/record.sh OUTDIR
#
# Writes OUTDIR/kvm-svm-v7.dat (trace-cmd's default: file format 7, zstd;
# two VMs at once on two CPUs) and OUTDIR/kvm-svm-v6.dat (--file-version 6,
# one VM); from the same workload (one VM) under `perf kvm stat record`
# OUTDIR/kvm-svm.kvm-stat.txt (its report) and kvm-svm.perf-script.txt, and
# OUTDIR/kvm-svm.ftrace.txt (/sys/kernel/tracing/trace); and OUTDIR/boot.log.
# With BIG_HALTS=N in the environment also OUTDIR/kvm-svm-v7-big.dat: the v7
# recording's two VMs, each running until N HLTs (about 49 exits a HLT), a
# larger trace.dat for make bench (tests/traces/bench/).
# Needs (Debian 12): linux-image-amd64 qemu-system-x86 busybox-static
# trace-cmd linux-perf cpio gcc libc6-dev. The timing in these traces is TCG's and
# means nothing; the formats and the exit sequences are a real kernel's.
set -eu
out=${1:?usage: record.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
kver=$(ls /lib/modules | sort -V | tail -n 1)
kernel=/boot/vmlinuz-$kver
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
root=$work/root
mkdir -p "$root/bin" "$root/lib" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"

cp /bin/busybox "$root/bin/busybox"
gcc -static -O2 -o "$root/bin/kvm-client" "$here/kvm-client.c"
for m in virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp arch/x86/kvm/kvm-amd; do
	cp "/lib/modules/$kver/kernel/$m.ko" "$root/lib/"
done
# trace-cmd and perf, and the shared libraries they load, at their own paths
cp /usr/bin/trace-cmd /usr/bin/perf "$root/bin/"
for lib in $(ldd /usr/bin/trace-cmd /usr/bin/perf | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' | sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp "$lib" "$root$lib"
done

big=${BIG_HALTS:-0}
if [ "$big" -gt 0 ]; then echo "$big" >"$root/big_halts"; fi
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs nodev /sys/kernel/tracing
for m in irqbypass kvm ccp kvm-amd; do insmod /lib/$m.ko || echo "insmod $m failed"; done
echo "record: $(grep -c processor /proc/cpuinfo) cpus, /dev/kvm: $(ls /dev/kvm)"
cd /tmp
# keep the files small: an empty kallsyms (trace-cmd stores the whole one)
: >/tmp/empty
mount --bind /tmp/empty /proc/kallsyms
# format 7 (zstd): two VMs at once (two vCPU threads, both vcpu 0, on 2 CPUs)
trace-cmd record -e kvm -o /tmp/v7.dat sh -c '/bin/kvm-client 3 & /bin/kvm-client 2; wait'
# a larger one for the benchmarks (BIG_HALTS)
if [ -f /big_halts ]; then
	n=$(cat /big_halts)
	trace-cmd record -e kvm -o /tmp/big.dat sh -c "/bin/kvm-client $n & /bin/kvm-client $n; wait"
fi
# format 6: one VM
trace-cmd record --file-version 6 -e kvm -o /tmp/v6.dat /bin/kvm-client 3
# the same workload under perf kvm stat (a table and perf script's lines)
perf kvm stat record -o /tmp/perf.data /bin/kvm-client 3 >/dev/null 2>&1
perf script -i /tmp/perf.data >/tmp/perf-script.txt 2>/dev/null
# and raw ftrace text of it
echo 1 >/sys/kernel/tracing/events/kvm/kvm_exit/enable
echo 1 >/sys/kernel/tracing/events/kvm/kvm_entry/enable
echo 1 >/sys/kernel/tracing/events/kvm/kvm_userspace_exit/enable
/bin/kvm-client 3 >/dev/null
echo 0 >/sys/kernel/tracing/tracing_on
cat /sys/kernel/tracing/trace >/tmp/ftrace.txt
ls -l /tmp/*.dat /tmp/*.txt
base64 /tmp/v7.dat >/dev/ttyS1
base64 /tmp/v6.dat >/dev/ttyS2
big=""
[ -f /tmp/big.dat ] && big=big.dat
tar -cf - -C /tmp perf.data perf-script.txt ftrace.txt $big | base64 >/dev/ttyS3
echo "record: done"
sync
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"

timeout 600 qemu-system-x86_64 -accel tcg -cpu EPYC -m 1024 -smp 2 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 kvm_amd.nested=0" \
	-serial "file:$out/boot.log" -serial "file:$work/v7.b64" -serial "file:$work/v6.b64" \
	-serial "file:$work/text.b64" \
	-monitor none </dev/null
tr -d '\r' <"$work/v7.b64" | base64 -d >"$out/kvm-svm-v7.dat"
tr -d '\r' <"$work/v6.b64" | base64 -d >"$out/kvm-svm-v6.dat"
tr -d '\r' <"$work/text.b64" | base64 -d | tar -xf - -C "$work"
if [ "$big" -gt 0 ]; then cp "$work/big.dat" "$out/kvm-svm-v7-big.dat"; fi
cp "$work/perf-script.txt" "$out/kvm-svm.perf-script.txt"
cp "$work/ftrace.txt" "$out/kvm-svm.ftrace.txt"
cp "$work/perf.data" "$out/kvm-svm.perf.data"
# perf kvm stat's table of it, made here (the file carries the events' formats)
perf kvm -i "$out/kvm-svm.perf.data" stat report --event=vmexit >"$out/kvm-svm.kvm-stat.txt" 2>&1	# perf 6.1 prints it on stderr
ls -l "$out"
