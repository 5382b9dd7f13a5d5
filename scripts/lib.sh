# Shared by scripts/demo and scripts/test: timed steps and the common build.
# shellcheck shell=sh

IOACCEL_T0=$(date +%s)
IOACCEL_TIMES=""

# step NAME CMD...: run CMD, remember how long it took.
step() {
	name=$1
	shift
	echo "==> $name"
	t=$(date +%s)
	rc=0
	"$@" || rc=$?
	IOACCEL_TIMES="$IOACCEL_TIMES$(printf '%-28s %5ss' "$name" $(($(date +%s) - t)))
"
	return $rc
}

print_times() {
	echo "==> where the time went"
	printf '%s' "$IOACCEL_TIMES"
	printf '%-28s %5ss\n' total $(($(date +%s) - IOACCEL_T0))
}

build_tree() {
	step install-deps scripts/install-deps
	step autogen ./autogen.sh
	step configure ./configure --enable-werror
	step build make -j"$(nproc)"
}
