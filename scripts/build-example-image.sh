#!/usr/bin/env bash
# Builds ring-example/httpd:1 with `docker import` of a busybox rootfs: a web server answering "hello from ring".
set -euo pipefail
tag=${1:-ring-example/httpd:1}
docker image inspect "$tag" >/dev/null 2>&1 && exit 0
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
for a in sh httpd sleep echo cat ls; do ln -s busybox "$root/bin/$a"; done
echo 'hello from ring' >"$root/www/index.html"
echo 'ok' >"$root/www/health"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
tar --numeric-owner -C "$root" -c . | docker import --change 'CMD ["/bin/httpd","-f","-p","80","-h","/www"]' - "$tag" >/dev/null
echo "built $tag"
