#!/usr/bin/env bash
# Runs inside `unshare --net --mount` (as root): a task's network namespace as Fargate gives an
# IPv4-only task (lo, and eth0 with only a link-local IPv6 address), /etc/hosts as Service
# Connect writes it (the alias on an IPv4 address that serves and on an IPv6 address), nginx
# with yelb-ui's own proxy block, and N requests through it. Prints one line per request:
# "<status> <seconds>", then nginx's connect errors.
#   usage: ipv6-hosts.sh MODE ALIAS_URL REQUESTS
#   MODE: link-local (no IPv6 route) | routed (an IPv6 default route whose gateway never answers)
set -euo pipefail
mode=$1 endpoint=$2 requests=$3 interval=${4:-0}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

host=$(echo "$endpoint" | sed -E 's#^https?://([^:/]+).*#\1#')
port=$(echo "$endpoint" | sed -E 's#^https?://[^:/]+:([0-9]+).*#\1#')
ipv4=127.255.0.1            # Service Connect's proxy listens on 127.255.0.0/16
ipv6=2600:f0f0:0:0:0:0:0:1  # an address that nothing in the task answers

ip link set lo up
ip link add eth0 type veth peer name peer0
ip link set peer0 up
ip link set eth0 up           # the kernel gives it a link-local fe80:: address
ip addr add 10.0.64.10/19 dev eth0
ip route add default via 10.0.64.1 dev eth0
if [ "$mode" = routed ]; then
  ip -6 addr add 2001:db8:64::10/64 dev eth0 nodad
  ip -6 route add default via 2001:db8:64::1 dev eth0
fi
ip addr add "$ipv4/32" dev lo
sleep 1   # duplicate-address detection of the link-local address

printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n%s %s\n%s %s\n' "$ipv4" "$host" "$ipv6" "$host" > "$work/hosts"
mount --bind "$work/hosts" /etc/hosts

# The appserver: answers every /api request with 200.
node -e "require('http').createServer((q,r)=>r.end('ok')).listen($port,'$ipv4')" &
mkdir -p "$work/html"
# yelb-ui's startup.sh: the location block it writes after 'server_name localhost;'.
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/error.log error;
events {}
http {
  access_log off;
  server {
    listen 127.0.0.1:8080;
    server_name  localhost;
    location /api {
        proxy_pass $endpoint/api;
        proxy_http_version 1.1;
    }
    root $work/html;
  }
}
CONF
for _ in $(seq 50); do (exec 3<>/dev/tcp/$ipv4/$port) 2>/dev/null && break; sleep 0.1; done
nginx -c "$work/nginx.conf"
for _ in $(seq "$requests"); do
  curl -s -o /dev/null --max-time 90 -w '%{http_code} %{time_total}\n' http://127.0.0.1:8080/api/getvotes || echo "000 0"
  sleep "$interval"
done
grep -o 'connect() [^,]*' "$work/error.log" | sed 's/^/nginx: /' || true
