#!/usr/bin/env bash
# The runtime image without Docker: rebuilds the root file system of the Dockerfile's final stage
# with debootstrap, runs the release binary in it the way the image runs (its USER, ENTRYPOINT,
# WORKDIR and ENV, read-only root, tmpfs /tmp, no capabilities, no_new_privs) and checks it:
#
#   scripts/rootfs-smoke.sh [--binary PATH] [--dockerfile PATH] [options]
#
#   --binary PATH       the release binary (default: .build/release/<product>; built with the
#                       Dockerfile's own `swift build` command only when it does not exist)
#   --dockerfile PATH   the Dockerfile to follow (default: ./Dockerfile)
#   --context DIR       the build context for COPY (default: the repository root)
#   --build-arg K=V     override an ARG, as `docker build --build-arg` (repeatable)
#   --mirror URL        the Debian mirror (default: the one this machine's apt sources use)
#   --cache-dir DIR     where base root file systems are cached (default: ~/.cache/fraudscore)
#   --rebuild           ignore the cached base root file system and build it again
#   --keep              keep the work folder (root file system, logs) and print its path
#   --dry-run           only read the Dockerfile and print what would be built (no root needed)
#
# What it reads from the Dockerfile (no package or path is written here): the final stage's base
# image (debian:<codename|number>[-slim] -> `debootstrap --variant=minbase <codename>` from this
# machine's Debian mirror, slimmed like the -slim images when the tag says so); its ARG, ENV,
# SHELL, USER and WORKDIR; its RUN steps, run as written in a chroot (so the `apt-get install`
# list and the user the image creates come from the Dockerfile itself); its COPY steps: from the
# build context through .dockerignore, and from the build stage by replaying that stage's own
# commands on the files it copies (install, cp, mv, chmod, mkdir, ln, rm, strip, objcopy) in a
# scratch folder, with `$(swift build ... --show-bin-path)` standing for --binary's folder and the
# build image's other files (the crash backtracer) taken from this machine's Swift toolchain, so a
# binary the image strips is stripped here by the same command; VOLUME, EXPOSE, STOPSIGNAL,
# HEALTHCHECK and ENTRYPOINT/CMD. A shape it does not understand (another base image, a command
# it cannot replay on the copied files, a COPY from another image, an unknown instruction) stops
# it with the line and the reason, before anything is built.
#
# The base root file system (debootstrap plus every step before the first COPY) is cached as
# <cache-dir>/rootfs-<suite>[-slim]-<hash of those steps>.tar, rebuilt after 7 days
# (ROOTFS_SMOKE_CACHE_DAYS) for the security updates.
#
# Checks, each printed PASS or FAIL: the Dockerfile's packages are installed; every ELF file from
# the build stage finds its loader and all its libraries inside the root (listed as ldd lists
# them, as the image's user); every library they link directly comes from a package the
# Dockerfile installs by name or from the base image, not only as another package's dependency;
# the server runs as the image's user with no capabilities, no_new_privs and a read-only root;
# scripts/smoke.sh passes against it (in a network namespace of its own: loopback only); the
# HEALTHCHECK command, if any, exits 0; STOPSIGNAL (SIGTERM) drains and exits 0. Ends with
# `rootfs-smoke: N passed, M failed`; exit 1 if any failed, 2 on a usage or setup error.
#
# Needs root (debootstrap, mounts, namespaces), util-linux (unshare, setpriv), iproute2, binutils,
# python3 and curl; installs debootstrap with apt-get when it is missing.
set -euo pipefail

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SELF")/.." && pwd)"
# Bumped when the way the base root file system is made changes (part of the cache key).
RECIPE=1

log() { echo "rootfs-smoke: $*"; }
die() { echo "rootfs-smoke: $*" >&2; exit 2; }
usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1' "$SELF" | sed 's/^# \{0,1\}//'; exit 2; }

# read_nul FILE NAME: the NUL-separated fields of FILE into the array NAME (empty if no file).
read_nul() {
  local -n _out="$2"
  _out=()
  if [ -s "$1" ]; then mapfile -d '' -t _out <"$1"; fi
}

# resolve_user ROOTFS SPEC -> "uid gid home", looked up in the root file system as Docker does.
resolve_user() {
  local rootfs="$1" spec="$2" u g
  u="${spec%%:*}"; g=""
  [[ "$spec" == *:* ]] && g="${spec#*:}"
  [ -n "$u" ] || u=0
  awk -F: -v u="$u" -v g="$g" -v grp="$rootfs/etc/group" '
    function gid_of(name,   line, f) {
      if (name ~ /^[0-9]+$/) return name
      while ((getline line < grp) > 0) { split(line, f, ":"); if (f[1] == name) return f[3] }
      return ""
    }
    $1 == u || $3 == u { uid = $3; pgid = $4; home = $6; found = 1; exit }
    END {
      if (!found) { if (u !~ /^[0-9]+$/) exit 1; uid = u; pgid = 0; home = "/" }
      gid = (g == "") ? pgid : gid_of(g)
      if (gid == "") exit 1
      print uid, gid, home
    }' "$rootfs/etc/passwd"
}

# setup_dev MOUNTED_ROOT: a minimal /dev as container runtimes give one.
setup_dev() {
  local r="$1" n
  mount -t tmpfs -o nosuid,noexec,mode=755,size=64k tmpfs "$r/dev"
  for n in null zero full random urandom tty; do
    [ -e "/dev/$n" ] || continue
    : >"$r/dev/$n"
    mount --bind "/dev/$n" "$r/dev/$n"
  done
  ln -s /proc/self/fd "$r/dev/fd"
  ln -s /proc/self/fd/0 "$r/dev/stdin"
  ln -s /proc/self/fd/1 "$r/dev/stdout"
  ln -s /proc/self/fd/2 "$r/dev/stderr"
  mkdir -p "$r/dev/pts" "$r/dev/shm"
  mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=64m tmpfs "$r/dev/shm"
}

# ---------------------------------------------------------------------------------------------
# Internal: one RUN step of the Dockerfile in the root file system (in a private mount namespace).
if [ "${1:-}" = "__build-step" ]; then
  r="$2"; step="$3"
  mount -t proc proc "$r/proc"
  setup_dev "$r"
  mount -t sysfs -o ro sysfs "$r/sys" 2>/dev/null || true
  # The build has the machine's network and DNS, as `docker build` has.
  [ -e "$r/etc/resolv.conf" ] || : >"$r/etc/resolv.conf"
  mount --bind /etc/resolv.conf "$r/etc/resolv.conf"
  argv=(); envs=()
  read_nul "$step/argv" argv
  read_nul "$step/env" envs
  wd="$(cat "$step/workdir")"
  mkdir -p "$r$wd"
  ids=()
  read -r uid gid _ < <(resolve_user "$r" "$(cat "$step/user")") \
    || { echo "rootfs-smoke: RUN: USER $(cat "$step/user") is not in the image's /etc/passwd" >&2; exit 1; }
  [ "$uid" = 0 ] || ids=(--setgid="$gid" --setuid="$uid")
  exec env -i "${envs[@]}" "$(command -v unshare)" --root="$r" --wd="$wd" "${ids[@]}" -- "${argv[@]}" </dev/null
fi

# ---------------------------------------------------------------------------------------------
# Internal: the checks, in new mount, network and PID namespaces (only loopback, which is up).
if [ "${1:-}" = "__inside" ]; then
  WORK="$2"; P="$WORK/plan"; R="$WORK/rootfs"; M="$WORK/mnt"
  passed=0; failed=0
  pass() { passed=$((passed + 1)); echo "PASS $1"; }
  fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
  finish() { echo "$passed $failed" >"$WORK/counts"; exit 0; }
  UNSHARE="$(command -v unshare)"; SETPRIV="$(command -v setpriv)"

  ip link set lo up
  # The image's root, read-only, with what a container runtime mounts over it.
  mkdir -p "$M"
  mount --bind "$R" "$M"
  mount -o remount,bind,ro "$M"
  mount -t proc -o nosuid,nodev,noexec proc "$M/proc"
  setup_dev "$M"
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$M/sys" 2>/dev/null || echo "rootfs-smoke: note: no /sys in the root (sysfs mount refused)"
  # /tmp: `docker run --tmpfs /tmp` (image workflow) and the Deployment's emptyDir (64Mi).
  mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m tmpfs "$M/tmp"
  # Each VOLUME: a fresh writable volume with the image folder's owner, mode and content.
  while IFS= read -r vol; do
    [ -n "$vol" ] || continue
    read -r vu vg vm < <(stat -c '%u %g %a' "$R$vol")
    mount -t tmpfs -o "nosuid,nodev,mode=$vm,uid=$vu,gid=$vg,size=512m" tmpfs "$M$vol"
    cp -a "$R$vol/." "$M$vol/"
    echo "rootfs-smoke: VOLUME $vol: tmpfs, owner $vu:$vg, mode $vm"
  done <"$P/volumes"

  read -r U G HOME_DIR < <(resolve_user "$R" "$(cat "$P/user")") \
    || { fail "USER" "$(cat "$P/user") is not in the image's /etc/passwd"; finish; }
  WD="$(cat "$P/workdir")"
  ids=()
  [ "$U" = 0 ] || ids=(--setgid="$G" --setuid="$U")
  read_nul "$P/entrypoint" ENTRY
  read_nul "$P/env" PLAN_ENV
  RUN_ENV=("HOSTNAME=fraudscore-rootfs")
  grep -qz '^HOME=' "$P/env" 2>/dev/null || RUN_ENV+=("HOME=$HOME_DIR")
  RUN_ENV+=("${PLAN_ENV[@]}")
  PORT="$(cat "$P/port")"
  # as_user CMD...: run CMD in the read-only root as the image's user, with the image's env.
  as_user() {
    env -i "${RUN_ENV[@]}" "$SETPRIV" --no-new-privs --bounding-set=-all,+sys_chroot,+setuid,+setgid -- \
      "$UNSHARE" --root="$M" --wd="$WD" "${ids[@]}" -- "$@"
  }

  # 1. The packages the Dockerfile installs are installed.
  mapfile -t PKGS <"$P/packages"
  missing=()
  for pkg in "${PKGS[@]}"; do
    name="${pkg%%[=/]*}"
    st="$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${db:Status-Status}' "$name" 2>/dev/null || true)"
    [ "$st" = installed ] || missing+=("$name")
  done
  if [ "${#PKGS[@]}" = 0 ]; then fail "packages" "the final stage installs no package (no apt-get install found)"
  elif [ "${#missing[@]}" = 0 ]; then pass "packages installed: ${PKGS[*]}"
  else fail "packages" "not installed: ${missing[*]}"; fi

  # 2. Every ELF file from the build stage (the binary, the crash backtracer) loads inside the
  #    root: its loader is there and resolves all its libraries, run as the image's user (what
  #    ldd does). The entrypoint must be one of them or be in the root.
  mapfile -t ELFS <"$WORK/elf-files"
  declare -A NAMED=()
  for pkg in "${PKGS[@]}"; do NAMED[${pkg%%[=/:]*}]=1; done
  while IFS= read -r pkg; do NAMED[$pkg]=1; done <"$WORK/base-packages"
  lib_problems=(); lib_ok=(); unnamed=(); direct_checked=()
  if [ ! -x "$R${ENTRY[0]}" ]; then lib_problems+=("the entrypoint ${ENTRY[0]} is not in the root file system"); fi
  for elf in "${ELFS[@]}"; do
    interp="$(readelf -lW "$R$elf" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')"
    if [ -z "$interp" ]; then lib_ok+=("$elf (static)"); continue; fi
    if [ ! -e "$R$interp" ]; then lib_problems+=("$elf: its loader $interp is not in the root"); continue; fi
    # ldd's own way: the loader with LD_TRACE_LOADED_OBJECTS lists every library, found or not.
    # (Set for the loader's exec only: every dynamic program on the way would obey it too.)
    list="$(python3 - "$M" "$WD" "$U" "$G" "$interp" "$elf" 2>&1 <<'PY'
import os, sys
root, wd, uid, gid, interp, elf = sys.argv[1:]
os.chroot(root)
os.chdir(wd)
os.setgroups([])
os.setgid(int(gid))
os.setuid(int(uid))
os.execve(interp, [interp, elf], {"LD_TRACE_LOADED_OBJECTS": "1", "PATH": "/usr/bin:/bin"})
PY
)" || true
    declare -A LIBPATH=()
    while read -r name arrow path _; do
      if [ "$arrow" = "=>" ] && [[ "$path" == /* ]]; then LIBPATH[$name]="$path"; fi
    done <<<"$list"
    notfound=()
    while read -r name _; do notfound+=("$name"); done < <(grep '=> not found' <<<"$list" || true)
    while read -r name; do notfound+=("$name"); done \
      < <(sed -n 's/.*error while loading shared libraries: \([^:]*\):.*/\1/p' <<<"$list")
    if [ "${#notfound[@]}" = 0 ] && [ "${#LIBPATH[@]}" -gt 0 ]; then
      lib_ok+=("$elf (${#LIBPATH[@]} libraries)")
    elif [ "${#notfound[@]}" = 0 ]; then
      lib_problems+=("$elf: the loader listed no library: $(head -c 300 <<<"$list" | tr '\n' ' ')")
    else
      swiftrt=(); others=()
      for lib in "${notfound[@]}"; do
        case "$lib" in
          libswift*|libFoundation*|lib_Foundation*|libdispatch*|libBlocksRuntime*) swiftrt+=("$lib") ;;
          *)
            owner="$(dpkg -S "*/$lib" 2>/dev/null | head -n 1 | sed 's/: \/.*//; s/:[a-z0-9]*$//' || true)"
            others+=("$lib${owner:+ (package $owner on this machine)}") ;;
        esac
      done
      [ "${#others[@]}" = 0 ] || lib_problems+=("$elf needs libraries the root does not have: ${others[*]}")
      [ "${#swiftrt[@]}" = 0 ] || lib_problems+=("$elf needs the Swift runtime as shared libraries (${swiftrt[*]}): was it built with --static-swift-stdlib, as the Dockerfile builds it?")
    fi
    # 3. Each library the file names itself (DT_NEEDED) comes from a package the Dockerfile
    #    installs by name, or from the base image: not only as another package's dependency.
    while IFS= read -r lib; do
      [ -n "${LIBPATH[$lib]:-}" ] || continue    # not found: reported above
      [[ " ${direct_checked[*]} " == *" $lib "* ]] || direct_checked+=("$lib")
      # "pkg1:amd64, pkg2:amd64: /path" -> pkg1 pkg2
      owners="$(dpkg-query --admindir="$R/var/lib/dpkg" -S "*/$lib" 2>/dev/null | sed 's/: \/.*//' | tr ',' '\n' | sed 's/:.*//; s/ //g' | sort -u)"
      ok=""
      for o in $owners; do if [ -n "${NAMED[$o]:-}" ]; then ok=1; fi; done
      [ -n "$ok" ] || [[ " ${unnamed[*]} " == *" $lib "* ]] \
        || unnamed+=("$lib (package ${owners//$'\n'/ }, there only as a dependency of another package)")
    done < <(readelf -dW "$R$elf" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
    unset LIBPATH
  done
  if [ "${#ELFS[@]}" = 0 ]; then lib_problems+=("no ELF file came from the build stage")
  fi
  if [ "${#lib_problems[@]}" = 0 ]; then joined="$(printf '%s, ' "${lib_ok[@]}")"; pass "libraries resolve in the root, as ldd lists them as uid $U: ${joined%, }"
  else fail "libraries" "$(IFS=';'; echo "${lib_problems[*]}")"; fi
  if [ "${#unnamed[@]}" = 0 ]; then
    [ "${#direct_checked[@]}" = 0 ] || pass "direct libraries come from named packages or the base image: ${direct_checked[*]}"
  else
    fail "direct libraries" "the Dockerfile does not install by name: $(IFS=';'; echo "${unnamed[*]}")"
  fi

  # 4. Start the server as the image would: ENTRYPOINT + CMD as PID 1 of its own PID namespace.
  log "starting ${ENTRY[*]} as uid $U gid $G in $WD (read-only root, port $PORT)"
  env -i "${RUN_ENV[@]}" "$UNSHARE" --pid --fork --kill-child -- \
    "$SETPRIV" --no-new-privs --bounding-set=-all,+sys_chroot,+setuid,+setgid -- \
    "$UNSHARE" --root="$M" --wd="$WD" "${ids[@]}" -- "${ENTRY[@]}" \
    >"$WORK/server.log" 2>&1 </dev/null &
  NSPID=$!
  SERVER=""
  for _ in $(seq 1 50); do
    # (The file has no final newline: read's status would say EOF.)
    if [ -z "$SERVER" ]; then SERVER="$(awk '{print $1}' "/proc/$NSPID/task/$NSPID/children" 2>/dev/null || true)"; fi
    if [ -n "$SERVER" ] && [ "$(awk '/^Uid:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null)" = "$U" ]; then break; fi
    kill -0 "$NSPID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$SERVER" ] && [ -r "/proc/$SERVER/status" ]; then
    st="/proc/$SERVER/status"
    uids="$(awk '/^Uid:/ {print $2,$3,$4,$5}' "$st")"; gids="$(awk '/^Gid:/ {print $2,$3,$4,$5}' "$st")"
    capeff="$(awk '/^CapEff:/ {print $2}' "$st")"; nnp="$(awk '/^NoNewPrivs:/ {print $2}' "$st")"
    rootopts="$(awk '$5 == "/" {print $6}' "/proc/$SERVER/mountinfo")"
    problems=()
    [ "$uids" = "$U $U $U $U" ] || problems+=("uids $uids, want $U")
    [ "$gids" = "$G $G $G $G" ] || problems+=("gids $gids, want $G")
    [ "$capeff" = 0000000000000000 ] || [ "$U" = 0 ] || problems+=("effective capabilities $capeff")
    [ "$nnp" = 1 ] || problems+=("no_new_privs is $nnp")
    [[ ",$rootopts," == *,ro,* ]] || problems+=("root mounted $rootopts")
    if [ "${#problems[@]}" = 0 ]; then pass "server process: uid $U gid $G, no capabilities, no_new_privs, root read-only ($rootopts)"
    else fail "server process" "${problems[*]}"; fi
  else
    fail "server process" "exited at once: $(tail -n 5 "$WORK/server.log" | tr '\n' ' ')"
  fi

  # 5. The smoke test, from this namespace against the served port.
  if ! kill -0 "$NSPID" 2>/dev/null; then
    fail "scripts/smoke.sh" "not run: the server is not running"
  elif SMOKE_WAIT_SECONDS="${SMOKE_WAIT_SECONDS:-30}" "$ROOT/scripts/smoke.sh" "http://127.0.0.1:$PORT"; then
    pass "scripts/smoke.sh http://127.0.0.1:$PORT"
  else
    fail "scripts/smoke.sh" "see above; server log tail: $(tail -n 5 "$WORK/server.log" | tr '\n' ' ')"
  fi

  # 6. HEALTHCHECK, as `docker` would run it in the container.
  if [ -s "$P/healthcheck" ]; then
    read_nul "$P/healthcheck" HC
    if out="$(as_user timeout 30 "${HC[@]}" 2>&1)"; then pass "HEALTHCHECK ${HC[*]}"
    else fail "HEALTHCHECK ${HC[*]}" "exit status $?: $(head -c 300 <<<"$out" | tr '\n' ' ')"; fi
  fi

  # 7. STOPSIGNAL (docker stop, the kubelet): drains and exits 0.
  sig="$(cat "$P/stopsignal")"
  if kill -0 "$NSPID" 2>/dev/null && [ -n "$SERVER" ]; then
    kill -s "${sig#SIG}" "$SERVER" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$NSPID" 2>/dev/null; then
      fail "$sig" "still running 30 s after $sig"
      kill -KILL "$NSPID" 2>/dev/null || true
    else
      code=0; wait "$NSPID" || code=$?
      if [ "$code" = 0 ]; then pass "$sig (drained, exit 0)"
      else fail "$sig" "exit status $code, want 0; server log tail: $(tail -n 5 "$WORK/server.log" | tr '\n' ' ')"; fi
    fi
  else
    fail "$sig" "the server is not running any more: $(tail -n 5 "$WORK/server.log" | tr '\n' ' ')"
  fi
  if [ "$failed" != 0 ]; then
    echo "rootfs-smoke: server log (last 20 lines):"
    tail -n 20 "$WORK/server.log" | sed 's/^/  | /'
  fi
  finish
fi

# ---------------------------------------------------------------------------------------------
# The Dockerfile -> a plan folder (one value per file; lists NUL- or newline-separated).
parse_dockerfile() {
  python3 - "$@" <<'PY'
import glob, hashlib, json, os, posixpath, re, shlex, sys

dockerfile, shown, context, out, recipe = sys.argv[1:6]
build_args = dict(a.split("=", 1) for a in sys.argv[6:])

def die(msg):
    sys.stderr.write(f"rootfs-smoke: {shown}: {msg}\n")
    sys.exit(3)

notes = []
text = open(dockerfile, encoding="utf-8").read().split("\n")

# Parser directives (only the escape character matters here).
escape = "\\"
for line in text:
    m = re.match(r"#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$", line)
    if not m:
        break
    if m.group(1).lower() == "escape":
        escape = m.group(2)
        if escape not in ("\\", "`"):
            die(f"escape directive {escape!r} not understood")

# Logical lines: continuations joined, comment and empty lines inside them dropped, heredocs read.
instrs = []
i, n = 0, len(text)
while i < n:
    raw = text[i]
    i += 1
    if not raw.strip() or raw.lstrip().startswith("#"):
        continue
    start, cur, line = i, "", raw
    while True:
        s = line.rstrip()
        if s.endswith(escape):
            cur += s[:-1]
            while i < n and (not text[i].strip() or text[i].lstrip().startswith("#")):
                i += 1
            if i >= n:
                break
            line = text[i]
            i += 1
            continue
        cur += s
        break
    m = re.match(r"\s*([A-Za-z]+)(?:\s+(.*))?$", cur, re.S)
    if not m:
        die(f"line {start}: not an instruction: {cur.strip()[:80]}")
    kw, rest = m.group(1).upper(), (m.group(2) or "").strip()
    heredocs = []
    if kw in ("RUN", "COPY", "ADD"):
        for hm in re.finditer(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2", rest):
            body = []
            while True:
                if i >= n:
                    die(f"line {start}: heredoc {hm.group(3)} never ends")
                l = text[i]
                i += 1
                if (l.lstrip("\t") if hm.group(1) else l) == hm.group(3):
                    break
                body.append(l)
            heredocs.append((hm.group(0), hm.group(3), "\n".join(body)))
    instrs.append((start, kw, rest, heredocs))

VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")

def variable(s, i, env, ln):
    m = VAR.match(s, i)
    if not m:
        if s.startswith("${", i):
            die(f"line {ln}: variable form not understood: {s[i:i+30]}")
        return "$", 1
    name = m.group(1) or m.group(4)
    val, op = env.get(name), m.group(2)
    if op == ":-" and not val:
        val = words(m.group(3), env, ln, split=False)
    elif op == ":+":
        val = words(m.group(3), env, ln, split=False) if val else ""
    return val or "", m.end() - i

def words(s, env, ln, split=True):
    """Docker's word processing: quotes, escapes, $VAR/${VAR}/${VAR:-x}/${VAR:+x}."""
    out, cur, have, i = [], "", False, 0
    while i < len(s):
        c = s[i]
        if split and c in " \t\n":
            if have:
                out.append(cur)
            cur, have = "", False
            i += 1
        elif c == "'":
            j = s.find("'", i + 1)
            if j < 0:
                die(f"line {ln}: unmatched ' in {s[:60]}")
            cur, have, i = cur + s[i + 1:j], True, j + 1
        elif c == '"':
            i += 1
            while i < len(s) and s[i] != '"':
                if s[i] == escape and i + 1 < len(s) and s[i + 1] in '"$' + escape:
                    cur += s[i + 1]
                    i += 2
                elif s[i] == "$":
                    v, k = variable(s, i, env, ln)
                    cur += v
                    i += k
                else:
                    cur += s[i]
                    i += 1
            if i >= len(s):
                die(f'line {ln}: unmatched " in {s[:60]}')
            have, i = True, i + 1
        elif c == escape and i + 1 < len(s):
            cur, have, i = cur + s[i + 1], True, i + 2
        elif c == "$":
            v, k = variable(s, i, env, ln)
            cur, have, i = cur + v, True, i + k
        else:
            cur, have, i = cur + c, True, i + 1
    if have:
        out.append(cur)
    return out if split else "".join(out)

def json_list(rest):
    if not rest.startswith("["):
        return None
    try:
        v = json.loads(rest)
    except ValueError:
        return None
    return v if isinstance(v, list) and all(isinstance(x, str) for x in v) else None

# Stages.
global_args, stages, cur = {}, [], None
for ln, kw, rest, hd in instrs:
    if kw == "FROM":
        w = words(rest, {k: v for k, v in global_args.items() if v is not None}, ln)
        while w and w[0].startswith("--"):
            w.pop(0)
        if len(w) not in (1, 3) or (len(w) == 3 and w[1].lower() != "as"):
            die(f"line {ln}: FROM {rest}: not understood")
        cur = {"name": w[2].lower() if len(w) == 3 else None, "base": w[0], "line": ln, "instrs": []}
        stages.append(cur)
    elif cur is None:
        if kw != "ARG":
            die(f"line {ln}: {kw} before the first FROM")
        for w in words(rest, {}, ln):
            k, eq, v = w.partition("=")
            global_args[k] = build_args.get(k, v if eq else None)
    else:
        cur["instrs"].append((ln, kw, rest, hd))
if not stages:
    die("no FROM: not a Dockerfile?")

def find_stage(ref, before):
    for idx, st in enumerate(stages[:before]):
        if st["name"] == ref.lower() or str(idx) == ref:
            return idx
    return None

def chain(idx):
    """A stage's instructions with those of the stages it is built FROM, and its root image."""
    seq = []
    while True:
        st = stages[idx]
        seq = st["instrs"] + seq
        parent = find_stage(st["base"], idx)
        if parent is None:
            return st["base"], seq
        idx = parent

final_idx = len(stages) - 1
base, final_instrs = chain(final_idx)
m = re.fullmatch(r"(?:docker\.io/)?(?:library/)?debian:([A-Za-z0-9._-]+)(@sha256:[0-9a-f]{64})?", base)
if not m:
    die(f"the final stage (line {stages[-1]['line']}) is FROM {base}: only debian:<codename|number>[-slim] "
        "base images can be rebuilt with debootstrap")
tag = m.group(1)
parts = tag.split("-")
slim = parts[-1] == "slim"
numbers = {"10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie", "14": "forky"}
suite = numbers.get(parts[0].split(".")[0], parts[0])
if suite not in set(numbers.values()) | {"sid"}:
    die(f"base image debian:{tag}: cannot tell the Debian release from the tag (want a codename or a release number)")
if m.group(2):
    notes.append(f"base image digest {m.group(2)[1:20]}… not reproducible with debootstrap: today's {suite} is used")

def simple_commands(script):
    """A shell script's simple commands, split at ; && || | and newlines: (assignments, argv)."""
    try:
        lx = shlex.shlex(script.replace("\n", " ; "), posix=True, punctuation_chars=";&|")
        lx.whitespace_split = True
        toks = list(lx)
    except ValueError:
        return []
    cmds, cur = [], []
    for t in toks:
        if t and set(t) <= set(";&|"):
            if cur:
                cmds.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        cmds.append(cur)
    out = []
    for c in cmds:
        assigns = {}
        while c and re.match(r"[A-Za-z_][A-Za-z0-9_]*=", c[0]):
            k, _, v = c[0].partition("=")
            assigns[k] = v
            c = c[1:]
        out.append((assigns, c))
    return out

def run_script(ln, rest, hd, shell):
    """A RUN's flags stripped; -> (argv, shell text or None)."""
    while True:
        fm = re.match(r"--([a-z-]+)(?:=(\S*))?\s+", rest)
        if not fm:
            break
        flag, value = fm.group(1), fm.group(2) or ""
        if flag == "mount":
            mtype = dict(kv.partition("=")[::2] for kv in value.split(",")).get("type", "bind")
            if mtype not in ("cache", "tmpfs"):
                die(f"line {ln}: RUN --mount=type={mtype}: not supported (only cache and tmpfs mounts)")
            notes.append(f"line {ln}: RUN --mount={value}: ignored (a cache or tmpfs mount does not change the result)")
        elif flag not in ("network", "security"):
            die(f"line {ln}: RUN --{flag}: not understood")
        rest = rest[fm.end():]
    if hd:
        if len(hd) == 1 and rest.strip() == hd[0][0]:
            body = hd[0][2]
        else:
            body = rest + "".join("\n" + b + "\n" + name for _, name, b in hd)
        return shell + [body], body
    exec_form = json_list(rest)
    if exec_form is not None:
        return exec_form, " ".join(shlex.quote(a) for a in exec_form)
    return shell + [rest], rest

# What the final stage does.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
env = {"PATH": DEFAULT_PATH}   # the debian image's own ENV
args, shell, user, workdir = {}, ["/bin/sh", "-c"], "", "/"
entrypoint, cmd, cmd_here = None, ["bash"], False
volumes, expose, stopsignal, healthcheck = [], [], "SIGTERM", None
packages, steps, pending_copies = [], [], []
phase = "base"
package_lines = []

def scope():
    d = {k: v for k, v in args.items() if v is not None}
    d.update(env)
    return d

def exec_or_shell(rest, kw, ln):
    v = json_list(rest)
    if v is not None:
        return v
    if rest.startswith("["):
        die(f"line {ln}: {kw} {rest[:60]}: neither a JSON list nor a shell command")
    return shell + [rest]

for ln, kw, rest, hd in final_instrs:
    if kw == "ARG":
        for w in words(rest, scope(), ln):
            k, eq, v = w.partition("=")
            args[k] = build_args.get(k, v if eq else global_args.get(k))
    elif kw == "ENV":
        w = words(rest, scope(), ln)
        new = {}
        if w and "=" not in w[0]:
            key = rest.split(None, 1)
            if len(key) != 2:
                die(f"line {ln}: ENV {rest}: not understood")
            new[key[0]] = words(key[1], scope(), ln, split=False)
        else:
            for x in w:
                k, eq, v = x.partition("=")
                if not eq or not k:
                    die(f"line {ln}: ENV {x!r}: not KEY=VALUE")
                new[k] = v
        env.update(new)
    elif kw == "WORKDIR":
        workdir = posixpath.normpath(posixpath.join(workdir, words(rest, scope(), ln, split=False)))
        steps.append({"kind": "mkdir", "phase": phase, "path": workdir})
    elif kw == "USER":
        user = words(rest, scope(), ln, split=False)
    elif kw == "SHELL":
        shell = json_list(rest) or die(f"line {ln}: SHELL must be a JSON list")
    elif kw == "RUN":
        argv, script = run_script(ln, rest, hd, shell)
        for _, c in simple_commands(script):
            if c and os.path.basename(c[0]) in ("apt-get", "apt") and "install" in c:
                it = iter(c[c.index("install") + 1:])
                for a in it:
                    if a in ("-o", "-t", "-c", "--option", "--target-release", "--config-file"):
                        next(it, None)
                    elif not a.startswith("-"):
                        packages.append(a)
                package_lines.append(str(ln))
        steps.append({"kind": "run", "phase": phase, "argv": argv, "user": user or "0", "workdir": workdir,
                      "env": [f"{k}={v}" for k, v in scope().items()], "line": ln})
    elif kw in ("COPY", "ADD"):
        if hd:
            die(f"line {ln}: {kw} with a heredoc: not supported")
        flags = {}
        while True:
            fm = re.match(r"--([a-z-]+)(?:=(\S*))?\s+", rest)
            if not fm:
                break
            flags[fm.group(1)] = fm.group(2) or ""
            rest = rest[fm.end():]
        unknown = set(flags) - {"from", "chown", "chmod", "link"}
        if unknown:
            die(f"line {ln}: {kw} --{sorted(unknown)[0]}: not understood")
        w = json_list(rest)
        w = w if w is not None else words(rest, scope(), ln)
        if len(w) < 2:
            die(f"line {ln}: {kw} {rest}: wants a source and a destination")
        srcs, dest = w[:-1], w[-1]
        if kw == "ADD" and any(re.match(r"[a-z]+://|git@", s) or re.search(r"\.(tar|tgz|tar\.\w+)$", s) for s in srcs):
            die(f"line {ln}: ADD of a URL or an archive: not supported (use COPY)")
        if not dest.startswith("/"):
            dest = posixpath.join(workdir, dest)
        phase = "image"
        step = {"kind": "copy", "phase": phase, "line": ln, "chown": flags.get("chown", ""),
                "chmod": flags.get("chmod", ""), "from": flags.get("from"), "srcs": srcs, "dest": dest}
        steps.append(step)
        pending_copies.append(step)
    elif kw == "ENTRYPOINT":
        entrypoint = exec_or_shell(rest, kw, ln)
        if not cmd_here:
            cmd = []
    elif kw == "CMD":
        cmd, cmd_here = exec_or_shell(rest, kw, ln), True
    elif kw == "VOLUME":
        v = json_list(rest)
        volumes += [posixpath.normpath(x) for x in (v if v is not None else words(rest, scope(), ln))]
    elif kw == "EXPOSE":
        expose += words(rest, scope(), ln)
    elif kw == "STOPSIGNAL":
        stopsignal = words(rest, scope(), ln, split=False).upper()
        if not stopsignal.isdigit() and not stopsignal.startswith("SIG"):
            stopsignal = "SIG" + stopsignal
    elif kw == "HEALTHCHECK":
        r = rest
        while True:
            fm = re.match(r"--([a-z-]+)=(\S+)\s+", r)
            if not fm:
                break
            r = r[fm.end():]
        if r.upper() == "NONE":
            healthcheck = None
        else:
            hm = re.match(r"CMD\s+(.*)$", r, re.S | re.I)
            if not hm:
                die(f"line {ln}: HEALTHCHECK {rest[:60]}: not understood")
            healthcheck = exec_or_shell(hm.group(1).strip(), "HEALTHCHECK CMD", ln)
    elif kw in ("LABEL", "MAINTAINER"):
        pass
    elif kw == "ONBUILD":
        notes.append(f"line {ln}: ONBUILD ignored (it acts on images built FROM this one)")
    else:
        die(f"line {ln}: instruction {kw} not understood by this script")

argv_final = (entrypoint or []) + (cmd or [])
if not argv_final or (entrypoint is None and not cmd_here):
    die("the final stage sets no ENTRYPOINT or CMD")

# The build stages that COPY --from reads: their commands that make or touch the copied files are
# replayed on this machine, with the stage's absolute paths moved into <work>/build-fs/<stage>,
# `$(swift build ... --show-bin-path)` standing for the folder of the release binary given, and
# files of the build image (the Swift toolchain's) copied from this machine's toolchain.
import shutil
BINDIR = "/@swift-bin-path@"
SWIFT = shutil.which("swift")
SWIFT_PREFIX = os.path.dirname(os.path.dirname(os.path.realpath(SWIFT))) if SWIFT else None
REPLAYABLE = {"install", "cp", "mv", "chmod", "chown", "mkdir", "ln", "rm", "touch", "strip", "objcopy"}
STRIP_OPTS = {"--strip-all", "--strip-debug", "--strip-unneeded", "-S", "-g", "--strip-dwo"}
work = os.path.dirname(os.path.abspath(out))
replays, replayed_stages = [], {}
build_cmd, product, binary_used, strip_desc = None, None, False, None

def host_copy_of(p):
    """A file of the build image that this machine has too: the Swift toolchain's, or the same path."""
    if p.startswith("/usr/") and SWIFT_PREFIX:
        q = os.path.join(SWIFT_PREFIX, p[len("/usr/"):])
        if os.path.isfile(q):
            return q
    return p if p.startswith("/usr/") and os.path.isfile(p) else None

def is_binary(p):
    return posixpath.basename(p) == product and (p.startswith(BINDIR + "/") or "/.build/" in "/" + p)

def under(p, prefixes):
    return any(p == w or p.startswith(w.rstrip("/") + "/") for w in prefixes)

def stage_vars_and_cmds(idx):
    """(line, kind, payload, workdir) for each RUN simple command and COPY of a stage and its parents."""
    _, seq = chain(idx)
    svars, sh, wd, outl = {}, ["/bin/sh", "-c"], "/", []
    for ln, kw, rest, hd in seq:
        if kw in ("ARG", "ENV"):
            ws = words(rest, svars, ln)
            if kw == "ENV" and ws and "=" not in ws[0]:
                k2 = rest.split(None, 1)
                ws = [k2[0] + "=" + words(k2[1], svars, ln, split=False)] if len(k2) == 2 else []
            for w in ws:
                k, eq, v = w.partition("=")
                if eq:
                    svars[k] = build_args.get(k, v) if kw == "ARG" else v
                elif kw == "ARG" and global_args.get(k) is not None:
                    svars[k] = build_args.get(k, global_args[k])
        elif kw == "WORKDIR":
            wd = posixpath.normpath(posixpath.join(wd, words(rest, svars, ln, split=False)))
        elif kw == "SHELL":
            sh = json_list(rest) or sh
        elif kw in ("COPY", "ADD"):
            w = words(rest, svars, ln)
            if w:
                outl.append((ln, "copy", posixpath.join(wd, w[-1]), wd))
        elif kw == "RUN":
            _, script = run_script(ln, rest, hd, sh)
            shv = dict(svars)
            for assigns, c in simple_commands(script):
                def expand(t):
                    t = re.sub(r"\$\(\s*swift\s+build\b[^)]*--show-bin-path[^)]*\)", BINDIR, t)
                    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: shv.get(m.group(1), m.group(0)), t)
                for k, v in assigns.items():
                    shv[k] = expand(v)
                if c:
                    outl.append((ln, "run", [expand(t) for t in c], wd))
    return outl

def replay_stage(idx, copy_srcs):
    global build_cmd, product, binary_used, strip_desc
    if idx in replayed_stages:
        replayed_stages[idx] |= set(copy_srcs)   # already replayed: the same commands make everything
        return
    replayed_stages[idx] = set(copy_srcs)
    fs = f"{work}/build-fs/{idx}"
    cmds = stage_vars_and_cmds(idx)
    for ln, kind, c, wd in cmds:
        if kind == "run" and os.path.basename(c[0]) == "swift" and c[1:2] == ["build"] and "--show-bin-path" not in c:
            build_cmd = build_cmd or c
            if "--product" in c and c.index("--product") + 1 < len(c):
                product = product or c[c.index("--product") + 1]
    product = product or posixpath.basename(argv_final[0])
    watched = [posixpath.normpath(x) for x in copy_srcs]
    tainted = set()   # paths made from the binary
    for ln, kind, c, wd in cmds:
        if kind == "copy":
            if under(c, watched):
                die(f"line {ln}: the build stage COPYs into {c}, which the final stage copies: not supported")
            continue
        prog = os.path.basename(c[0])
        paths, operands = [], []
        for a in c[1:]:
            m = re.match(r"--?[A-Za-z][\w-]*=(/.*)$", a)
            if m:
                paths.append(m.group(1))
            elif a.startswith("/") or "/.build/" in "/" + a:
                paths.append(a)
                operands.append(a)
        if not any(is_binary(x) or under(x, watched) for x in paths):
            continue
        if any("$(" in t or "`" in t for t in c):
            die(f"line {ln}: `{' '.join(c)}`: a command substitution this script cannot replay")
        if prog not in REPLAYABLE:
            die(f"line {ln}: the build stage runs `{prog}` on what the final stage copies: this script cannot replay it "
                f"(it replays {', '.join(sorted(REPLAYABLE))})")
        fetch = []
        def mp(x):
            if is_binary(x):
                return f"{work}/bin/{product}"
            if x.startswith(BINDIR):
                return f"{work}/bin" + x[len(BINDIR):]
            if x.startswith("/"):
                h = host_copy_of(x)
                if h:
                    fetch.append((h, fs + x))
                return fs + x
            return x
        new = [prog]
        for k, a in enumerate(c[1:], 1):
            m = re.match(r"(--?[A-Za-z][\w-]*=)(/.*)$", a)
            if prog == "ln" and k < len(c) - 1 and not a.startswith("-"):
                new.append(a)            # a link's target stays as written
            elif m:
                new.append(m.group(1) + mp(m.group(2)))
            elif a.startswith("/") or "/.build/" in "/" + a:
                new.append(mp(a))
            else:
                new.append(a)
        made = [x for x in operands if x.startswith("/") and not is_binary(x) and not host_copy_of(x)]
        watched += made
        if any(is_binary(x) or under(x, tainted) for x in operands):
            tainted.update(made)
        if any(is_binary(x) for x in paths) and (prog == "strip" or (prog == "objcopy" and STRIP_OPTS & set(c))):
            strip_desc = " ".join(c).replace(BINDIR, "$(swift build ... --show-bin-path)") + f" (line {ln})"
        # The folders the build had around those paths (made by commands not replayed, or the image).
        parents = sorted({posixpath.dirname(fs + x) for x in paths if x.startswith("/") and not is_binary(x)})
        replays.append({"argv": new, "fetch": [x for pair in fetch for x in pair], "cwd": fs + wd, "line": ln,
                        "parents": parents})
    if any(under(t, watched[:len(copy_srcs)]) for t in tainted):
        binary_used = True

copy_summary = []
for step in pending_copies:
    ln, srcs, dest = step["line"], step["srcs"], step["dest"]
    many = len(srcs) > 1 or dest.endswith("/")
    entries = []
    if step["from"] is not None:
        idx = find_stage(step["from"], final_idx)
        if idx is None:
            die(f"line {ln}: COPY --from={step['from']}: not a stage of this Dockerfile (copying from another image is not supported)")
        norm = [posixpath.normpath(posixpath.join("/", x)) for x in srcs]
        if any(glob.has_magic(x) for x in norm):
            die(f"line {ln}: COPY --from with a wildcard: not supported")
        replay_stage(idx, norm)
        fs = f"{work}/build-fs/{idx}"
        for s, sn in zip(srcs, norm):
            if is_binary(sn):
                binary_used = True
                src, fallback = f"{work}/bin/{product}", ""
            else:
                src, fallback = fs + sn, host_copy_of(sn) or ""
            entries.append(("buildfs", src, dest.rstrip("/") + "/" if many else dest, "", fallback))
            copy_summary.append(f"{dest} <- {s} of stage {stages[idx]['name'] or idx} (COPY line {ln})")

    else:
        # The build context, filtered by .dockerignore as `docker build` filters it.
        rules = []
        ign = os.path.join(context, ".dockerignore")
        if os.path.exists(ign):
            for line in open(ign, encoding="utf-8"):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                neg = line.startswith("!")
                p = posixpath.normpath(line[1:].strip() if neg else line).lstrip("/")
                rx, k = "^", 0
                while k < len(p):
                    ch = p[k]
                    if p.startswith("**/", k):
                        rx += "(.*/)?"; k += 3; continue
                    if p.startswith("**", k):
                        rx += ".*"; k += 2; continue
                    rx += "[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)
                    k += 1
                rules.append((re.compile(rx + "$"), neg))

        def ignored(rel):
            parents = [rel]
            while "/" in parents[-1]:
                parents.append(parents[-1].rsplit("/", 1)[0])
            excluded = False
            for rx, neg in rules:
                if any(rx.match(p) for p in parents):
                    excluded = not neg
            return excluded

        def mode_of(p):
            return "%04o" % (os.lstat(p).st_mode & 0o7777)

        for s in srcs:
            rel = posixpath.normpath(s.lstrip("/"))
            if rel.startswith(".."):
                die(f"line {ln}: COPY {s}: outside the build context")
            full = os.path.join(context, rel)
            matches = sorted(glob.glob(full)) if glob.has_magic(rel) else ([full] if os.path.lexists(full) else [])
            matches = [x for x in matches if not ignored(os.path.relpath(x, context))]
            if not matches:
                die(f"line {ln}: COPY {s}: not in the build context {context} (or excluded by .dockerignore)")
            many = many or len(matches) > 1
            for mt in matches:
                if os.path.isdir(mt) and not os.path.islink(mt):
                    entries.append(("dir", "", dest, mode_of(mt), ""))
                    count = 0
                    for top, dirs, files in os.walk(mt):
                        dirs.sort()
                        for name in sorted(dirs) + sorted(files):
                            p = os.path.join(top, name)
                            r = os.path.relpath(p, context)
                            if ignored(r):
                                continue
                            d = posixpath.join(dest, os.path.relpath(p, mt))
                            if os.path.islink(p):
                                entries.append(("symlink", os.readlink(p), d, "", ""))
                            elif os.path.isdir(p):
                                entries.append(("dir", "", d, mode_of(p), ""))
                            else:
                                entries.append(("file", p, d, mode_of(p), ""))
                                count += 1
                    copy_summary.append(f"{dest} <- {s} ({count} files, COPY line {ln})")
                else:
                    d = posixpath.join(dest, os.path.basename(mt)) if many else dest
                    entries.append(("symlink" if os.path.islink(mt) else "file",
                                    os.readlink(mt) if os.path.islink(mt) else mt, d, mode_of(mt), ""))
                    copy_summary.append(f"{d} <- {s} (COPY line {ln})")
    step["entries"] = entries

if not binary_used:
    die("cannot tell how the release binary reaches the final stage: no COPY --from=<build stage> copies the "
        "`swift build` output, or a file the build stage makes from it with install/cp/objcopy/strip")

# The port: the image's FRAUDSCORE_PORT if it sets one, else the first EXPOSE, else 8080.
port = env.get("FRAUDSCORE_PORT") or (expose[0].split("/")[0] if expose else "8080")

# The cache key: the base image and every step before the first COPY (the cached part).
base_steps = [s for s in steps if s["phase"] == "base"]
key = hashlib.sha256(json.dumps({"recipe": recipe, "suite": suite, "slim": slim, "steps": [
    {k: v for k, v in s.items() if k != "line"} for s in base_steps]}, sort_keys=True).encode()).hexdigest()[:16]

# The machine's Debian mirror (deb822 .sources and one-line .list files).
def apt_sources():
    found = []
    files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")) + \
        sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
    for f in files:
        if not os.path.exists(f):
            continue
        content = open(f, encoding="utf-8", errors="replace").read()
        if f.endswith(".sources"):
            for stanza in re.split(r"\n\s*\n", content):
                fields = {}
                for line in stanza.split("\n"):
                    if line.startswith("#") or ":" not in line or line[:1].isspace():
                        continue
                    k, v = line.split(":", 1)
                    fields[k.strip().lower()] = v.split()
                if "deb" in fields.get("types", []) and fields.get("enabled", ["yes"])[0].lower() != "no":
                    for u in fields.get("uris", []):
                        found.append((u, fields.get("suites", [])))
        else:
            for line in content.split("\n"):
                w = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
                if len(w) >= 3 and w[0] == "deb":
                    found.append((w[1], [w[2]]))
    return found

sources = apt_sources()
mirror = next((u for u, s in sources if any(not x.endswith("-security") for x in s) and u.rstrip("/").endswith("/debian")), None)
security = next((u for u, s in sources if any(x.endswith("-security") for x in s)), None)
if mirror and not security:
    security = mirror.rstrip("/") + "-security"

# The plan.
os.makedirs(os.path.join(out, "steps"))
def put(name, value):
    with open(os.path.join(out, name), "w", encoding="utf-8") as fh:
        fh.write(value)
def put_nul(path, items):
    with open(os.path.join(out, path), "wb") as fh:
        fh.write(b"".join(x.encode() + b"\0" for x in items))

put("image", base + "\n"); put("suite", suite + "\n"); put("slim", ("1" if slim else "0") + "\n")
put("cache_key", key + "\n"); put("mirror", (mirror or "") + "\n"); put("security_mirror", (security or "") + "\n")
put("packages", "".join(p + "\n" for p in packages))
put("product", (product or posixpath.basename(argv_final[0])) + "\n")
for k, r in enumerate(replays):
    d = os.path.join("replay", "%03d" % k)
    os.makedirs(os.path.join(out, d))
    put_nul(d + "/argv", r["argv"]); put_nul(d + "/fetch", r["fetch"]); put_nul(d + "/parents", r["parents"])
    put(d + "/cwd", r["cwd"] + "\n"); put(d + "/line", str(r["line"]) + "\n")
if build_cmd:
    put_nul("build_cmd", build_cmd)
put_nul("entrypoint", argv_final)
put("user", (user or "0") + "\n"); put("workdir", workdir + "\n")
put_nul("env", [f"{k}={v}" for k, v in env.items()])
put("volumes", "".join(v + "\n" for v in volumes)); put("port", port + "\n"); put("stopsignal", stopsignal + "\n")
if healthcheck:
    put_nul("healthcheck", healthcheck)
for k, s in enumerate(steps):
    d = os.path.join("steps", "%03d" % k)
    os.makedirs(os.path.join(out, d))
    put(d + "/kind", s["kind"] + "\n"); put(d + "/phase", s["phase"] + "\n")
    if s["kind"] == "run":
        put_nul(d + "/argv", s["argv"]); put_nul(d + "/env", s["env"])
        put(d + "/user", s["user"] + "\n"); put(d + "/workdir", s["workdir"] + "\n"); put(d + "/line", str(s["line"]) + "\n")
    elif s["kind"] == "mkdir":
        put(d + "/path", s["path"] + "\n")
    else:
        put_nul(d + "/entries", [x for e in s["entries"] for x in e])
        put(d + "/chown", s["chown"] + "\n"); put(d + "/chmod", s["chmod"] + "\n"); put(d + "/line", str(s["line"]) + "\n")

summary = [
    f"final stage: FROM {base} (line {stages[-1]['line']}) -> debootstrap --variant=minbase {suite}" + (", slimmed like -slim" if slim else ""),
    f"packages (apt-get install, line {', '.join(package_lines) or '-'}): {' '.join(packages) or '(none)'}",
    f"RUN steps: {sum(1 for s in steps if s['kind'] == 'run')} ({len([s for s in base_steps if s['kind'] == 'run'])} before the first COPY, cached)",
] + copy_summary + [
    f"build stage commands replayed here on the binary and the copied files: {len(replays)} "
    f"(lines {', '.join(sorted({str(r['line']) for r in replays})) or '-'})",
    "binary: " + (f"stripped as the build stage strips it: {strip_desc}" if strip_desc else "not stripped (the build stage does not strip it)"),
    f"USER {user or 'root'}, WORKDIR {workdir}, ENTRYPOINT+CMD {json.dumps(argv_final)}, port {port}, STOPSIGNAL {stopsignal}",
    "ENV " + " ".join(f"{k}={v}" for k, v in env.items() if k != "PATH" or v != DEFAULT_PATH),
    "VOLUME " + (" ".join(volumes) or "(none)") + "; HEALTHCHECK " + (json.dumps(healthcheck) if healthcheck else "(none)"),
] + [f"note: {x}" for x in notes]
put("summary", "".join(x + "\n" for x in summary))
PY
}

# ---------------------------------------------------------------------------------------------
# Options.
DOCKERFILE="$ROOT/Dockerfile"
CONTEXT="$ROOT"
BINARY=""
MIRROR=""
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/fraudscore"
REBUILD=""
KEEP=""
DRY_RUN=""
BUILD_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) [ $# -ge 2 ] || usage; BINARY="$2"; shift 2 ;;
    --dockerfile) [ $# -ge 2 ] || usage; DOCKERFILE="$2"; shift 2 ;;
    --context) [ $# -ge 2 ] || usage; CONTEXT="$2"; shift 2 ;;
    --build-arg) [ $# -ge 2 ] || usage; [[ "$2" == *=* ]] || die "--build-arg wants NAME=VALUE"; BUILD_ARGS+=("$2"); shift 2 ;;
    --mirror) [ $# -ge 2 ] || usage; MIRROR="$2"; shift 2 ;;
    --cache-dir) [ $# -ge 2 ] || usage; CACHE_DIR="$2"; shift 2 ;;
    --rebuild) REBUILD=1; shift ;;
    --keep) KEEP=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage ;;
    *) die "unknown argument $1 (--help lists the options)" ;;
  esac
done
[ -r "$DOCKERFILE" ] || die "no Dockerfile at $DOCKERFILE"
[ -n "$DRY_RUN" ] || [ "$(id -u)" = 0 ] || die "needs root: debootstrap, mounts and namespaces (run it with sudo)"
[ -d "$CONTEXT" ] || die "no build context folder $CONTEXT"
CONTEXT="$(cd "$CONTEXT" && pwd)"
for tool in unshare setpriv ip readelf python3 curl tar dpkg-query flock; do
  [ -n "$DRY_RUN" ] || command -v "$tool" >/dev/null \
    || die "$tool is required (packages util-linux, iproute2, binutils, python3, curl, tar, dpkg)"
done
if [ -z "$DRY_RUN" ] && ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; } \
    || die "cannot install debootstrap"
fi

T0=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rootfs-smoke.XXXXXX")"
# Long steps run in the background under `unshare --fork --pid --kill-child`, waited for: a signal
# interrupts the wait, and killing the unshare process takes its whole PID namespace (debootstrap's
# dpkg, apt-get, the server) and its mount namespace with it.
CHILD=""
bg_run() {
  "$@" &
  CHILD=$!
  local code=0
  wait "$CHILD" || code=$?
  CHILD=""
  return "$code"
}
cleanup() {
  local code=$?
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -KILL "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  # Every mount was made in a private mount namespace; refuse to delete if one leaked out.
  if grep -qF " $WORK/" /proc/self/mountinfo; then
    echo "rootfs-smoke: mounts under $WORK are still there; not deleting it" >&2
  elif [ -n "$KEEP" ]; then
    log "kept $WORK (rootfs/, server.log, plan/)"
  else
    rm -rf --one-file-system "$WORK"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The Dockerfile as it is now (another edit may land while this runs).
cp "$DOCKERFILE" "$WORK/Dockerfile"
P="$WORK/plan"
parse_dockerfile "$WORK/Dockerfile" "$DOCKERFILE" "$CONTEXT" "$P" "$RECIPE" "${BUILD_ARGS[@]}" \
  || { code=$?; [ "$code" = 3 ] && die "the Dockerfile's shape is not understood (above); nothing was built"; exit "$code"; }
log "Dockerfile: $DOCKERFILE"
sed 's/^/  /' "$P/summary"
if [ -n "$DRY_RUN" ]; then
  log "mirror: $(cat "$P/mirror") (security: $(cat "$P/security_mirror")); cache: $CACHE_DIR/rootfs-$(cat "$P/suite")$([ "$(cat "$P/slim")" = 1 ] && echo -slim)-$(cat "$P/cache_key").tar"
  exit 0
fi
SUITE="$(cat "$P/suite")"; SLIM="$(cat "$P/slim")"
[ -e "/usr/share/debootstrap/scripts/$SUITE" ] || die "this debootstrap does not know $SUITE (upgrade debootstrap)"
[ -n "$MIRROR" ] || MIRROR="$(cat "$P/mirror")"
[ -n "$MIRROR" ] || die "no Debian mirror in this machine's apt sources (/etc/apt/sources.list*); pass --mirror URL"
SECURITY_MIRROR="$(cat "$P/security_mirror")"
[ -n "$SECURITY_MIRROR" ] || SECURITY_MIRROR="${MIRROR%/}-security"
PRODUCT="$(cat "$P/product")"

# The binary: given, or the release build, built only when it does not exist.
if [ -z "$BINARY" ]; then
  BINARY="$ROOT/.build/release/$PRODUCT"
  if [ ! -e "$BINARY" ]; then
    read_nul "$P/build_cmd" BUILD_CMD
    [ "${#BUILD_CMD[@]}" -gt 0 ] || die "no $BINARY, and no \`swift build\` command in the Dockerfile's build stage to make it"
    command -v swift >/dev/null || die "no $BINARY and no swift to build it; pass --binary"
    log "no $BINARY: building it as the Dockerfile does: ${BUILD_CMD[*]}"
    (cd "$CONTEXT" && "${BUILD_CMD[@]}")
    BINARY="$(cd "$CONTEXT" && "${BUILD_CMD[@]}" --show-bin-path)/$PRODUCT"
  fi
fi
if [ ! -f "$BINARY" ] || [ ! -x "$BINARY" ]; then die "$BINARY is not an executable file"; fi
is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
# A copy: the build folder may be rebuilt while this runs.
mkdir -p "$WORK/bin"
cp "$BINARY" "$WORK/bin/$PRODUCT"
is_elf "$WORK/bin/$PRODUCT" || die "$BINARY is not an ELF executable"
log "binary: $BINARY ($(($(stat -c %s "$BINARY") / 1048576)) MiB)"

# The build stage's own commands on the binary and the files the final stage copies (install,
# objcopy, strip, ...), replayed in <work>/build-fs: stripping is done exactly as the image does.
replay_build_stage() {
  local r argv fetch parents k line
  for r in "$P"/replay/*/; do
    [ -d "$r" ] || continue
    argv=(); fetch=(); parents=()
    read_nul "$r/argv" argv
    read_nul "$r/fetch" fetch
    read_nul "$r/parents" parents
    [ "${#parents[@]}" = 0 ] || mkdir -p "${parents[@]}"
    line="$(cat "$r/line")"
    command -v "${argv[0]}" >/dev/null || die "the build stage runs ${argv[0]} (line $line): install it (binutils for strip/objcopy)"
    for ((k = 0; k < ${#fetch[@]}; k += 2)); do
      [ -e "${fetch[k + 1]}" ] && continue
      mkdir -p "$(dirname "${fetch[k + 1]}")"
      cp -a "${fetch[k]}" "${fetch[k + 1]}"
    done
    mkdir -p "$(cat "$r/cwd")"
    if ! (cd "$(cat "$r/cwd")" && "${argv[@]}") >"$WORK/replay.log" 2>&1; then
      sed 's/^/  | /' "$WORK/replay.log"
      die "the build stage's command at line $line failed when replayed: ${argv[*]}"
    fi
  done
}

# Runs the steps of one phase (base: cached; image: every run).
run_steps() {
  local phase="$1" rootfs="$2" s kind line path chown chmod uid gid entries e k src dest mode fallback rel
  for s in "$P"/steps/*/; do
    [ "$(cat "$s/phase")" = "$phase" ] || continue
    kind="$(cat "$s/kind")"
    case "$kind" in
      mkdir)
        path="$(cat "$s/path")"
        [ -d "$rootfs$path" ] || install -d -m 0755 "$rootfs$path" ;;
      run)
        line="$(cat "$s/line")"
        log "RUN (Dockerfile line $line) in the chroot"
        if ! bg_run unshare --mount --pid --fork --kill-child --propagation private -- \
             bash "$SELF" __build-step "$rootfs" "$s" >"$WORK/run-$line.log" 2>&1; then
          tail -n 25 "$WORK/run-$line.log" | sed 's/^/  | /'
          die "RUN at line $line of the Dockerfile failed (log above)"
        fi ;;
      copy)
        line="$(cat "$s/line")"; chown="$(cat "$s/chown")"; chmod="$(cat "$s/chmod")"
        uid=0; gid=0
        if [ -n "$chown" ]; then
          read -r uid gid _ < <(resolve_user "$rootfs" "$chown") || die "COPY --chown=$chown (line $line): no such user in the image"
        fi
        entries=()
        read_nul "$s/entries" entries
        for ((k = 0; k < ${#entries[@]}; k += 5)); do
          e="${entries[k]}"; src="${entries[k + 1]}"; dest="$rootfs${entries[k + 2]}"
          mode="${entries[k + 3]}"; fallback="${entries[k + 4]}"
          if [ "$e" = buildfs ]; then
            # From the build stage: what the replayed commands made, else the toolchain's file.
            [ -e "$src" ] || src="$fallback"
            if [ -z "$src" ] || [ ! -e "$src" ]; then
              die "COPY --from (line $line): ${entries[k + 1]} was not made by the replayed build stage"
            fi
            if [ -d "$src" ]; then
              mkdir -p "$dest"
              cp -a "$src/." "$dest/"
              while IFS= read -r -d '' rel; do
                chown -h "$uid:$gid" "$dest/$rel"
                is_elf "$dest/$rel" && echo "${entries[k + 2]%/}/$rel" >>"$WORK/elf-files"
              done < <(cd "$src" && find . -mindepth 1 -printf '%P\0')
              [ -z "$chmod" ] || chmod -R "$chmod" "$dest"
              continue
            fi
            [[ "$dest" != */ ]] || dest="$dest$(basename "$src")"
            e="file"
          fi
          mkdir -p "$(dirname "$dest")"
          case "$e" in
            dir) mkdir -p "$dest" ;;
            symlink) ln -sfn "$src" "$dest" ;;
            *) cp -a "$src" "$dest" ;;
          esac
          if [ "$e" != symlink ]; then
            if [ -n "$chmod" ]; then chmod "$chmod" "$dest"
            elif [ -n "$mode" ]; then chmod "$mode" "$dest"; fi
          fi
          chown -h "$uid:$gid" "$dest"
          if [ "$e" = file ] && is_elf "$dest"; then echo "${dest#"$rootfs"}" >>"$WORK/elf-files"; fi
        done ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------
# The base root file system: from the cache, or debootstrap + the steps before the first COPY.
mkdir -p "$CACHE_DIR"
NAME="rootfs-$SUITE$([ "$SLIM" = 1 ] && echo -slim)-$(cat "$P/cache_key")"
TAR="$CACHE_DIR/$NAME.tar"
R="$WORK/rootfs"
mkdir -p "$R"
exec 9>"$CACHE_DIR/.rootfs.lock"
flock 9
if [ -z "$REBUILD" ] && [ -s "$TAR" ] && [ -s "$TAR.base-packages" ] \
   && [ -n "$(find "$TAR" -mtime "-${ROOTFS_SMOKE_CACHE_DAYS:-7}")" ]; then
  t=$SECONDS
  tar -C "$R" --numeric-owner -xf "$TAR"
  cp "$TAR.base-packages" "$WORK/base-packages"
  log "base root file system: cached $TAR ($(($(stat -c %s "$TAR") / 1048576)) MiB), extracted in $((SECONDS - t)) s"
else
  t=$SECONDS
  log "base root file system: debootstrap --variant=minbase $SUITE from $MIRROR (log: debootstrap.log)"
  if ! bg_run unshare --mount --pid --fork --kill-child --propagation private -- \
       debootstrap --variant=minbase --components=main "$SUITE" "$R" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 20 "$WORK/debootstrap.log" | sed 's/^/  | /'
    die "debootstrap failed (log above)"
  fi
  log "debootstrap: $((SECONDS - t)) s"
  # As the debian image: its apt sources (updates and security too), no caches, no lists, an
  # empty /dev; -slim: no documentation, manual pages or translations, now or later.
  rm -f "$R/etc/apt/sources.list" "$R/etc/hostname" "$R/etc/resolv.conf"
  cat >"$R/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  printf '%s\n' 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' >"$R/etc/apt/apt.conf.d/docker-clean"
  printf '%s\n' 'Acquire::Languages "none";' >"$R/etc/apt/apt.conf.d/docker-no-languages"
  rm -rf "${R:?}"/var/cache/apt/archives/*.deb "${R:?}"/var/lib/apt/lists/* "${R:?}"/dev/*
  if [ "$SLIM" = 1 ]; then
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
      'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/groff/*' \
      'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/locale/*' \
      >"$R/etc/dpkg/dpkg.cfg.d/docker-slim"
    find "$R/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf "${R:?}"/usr/share/man/* "${R:?}"/usr/share/info/* "${R:?}"/usr/share/groff/* "${R:?}"/usr/share/lintian/* "${R:?}"/usr/share/locale/*
  fi
  dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Package}\n' | sort >"$WORK/base-packages"
  t2=$SECONDS
  run_steps base "$R"
  log "steps before the first COPY: $((SECONDS - t2)) s"
  tar -C "$R" --numeric-owner -cf "$TAR.tmp" .
  cp "$WORK/base-packages" "$TAR.base-packages"
  mv "$TAR.tmp" "$TAR"
  # Older base root file systems of this suite go.
  find "$CACHE_DIR" -maxdepth 1 -name "rootfs-$SUITE*.tar*" -not -name "$NAME.tar*" -mtime +1 -delete
  log "base root file system: built in $((SECONDS - t)) s, cached as $TAR ($(($(stat -c %s "$TAR") / 1048576)) MiB)"
fi
flock -u 9
exec 9>&-

# The image's own layers: COPY (binary, backtracer, model) and anything after.
: >"$WORK/elf-files"
replay_build_stage
run_steps image "$R"
# What a container runtime provides as files (the root is read-only from here on).
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
echo fraudscore-rootfs >"$R/etc/hostname"
echo '# no DNS in the test network namespace' >"$R/etc/resolv.conf"
while IFS= read -r vol; do [ -z "$vol" ] || mkdir -p "$R$vol"; done <"$P/volumes"
mkdir -p "$R/tmp" "$R/proc" "$R/sys" "$R/dev"
log "root file system ready: $(($(du -sxb "$R" | cut -f1) / 1048576)) MiB (about the image's uncompressed size), $((SECONDS - T0)) s so far"

# ---------------------------------------------------------------------------------------------
# The checks, in namespaces of their own: mounts, network (loopback only) and PIDs.
code=0
bg_run unshare --mount --net --pid --fork --kill-child --mount-proc --propagation private -- \
  bash "$SELF" __inside "$WORK" || code=$?
[ -s "$WORK/counts" ] || die "the checks stopped early (exit status $code)"
read -r passed failed <"$WORK/counts"
log "total $((SECONDS - T0)) s"
echo "rootfs-smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
