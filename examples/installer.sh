#!/bin/sh
# A "suspicious installer", the kind of program sysward is for: what would it do to your
# machine?  Run it under `make demo` and read the audit summary.
echo "installer: reading configuration"
cat /etc/os-release > /dev/null && echo "  read /etc/os-release"
echo "installer: looking for secrets"
if head -c 5 /etc/shadow >/dev/null 2>&1; then echo "  READ /etc/shadow"; else echo "  /etc/shadow: refused"; fi
if ls /root/.ssh >/dev/null 2>&1; then echo "  LISTED /root/.ssh"; else echo "  /root/.ssh: refused"; fi
echo "installer: installing into the working directory"
mkdir -p app && echo 'payload' > app/payload.txt && echo "  wrote app/payload.txt"
echo "installer: persisting outside it"
if (echo evil > /etc/sysward-demo-persist) 2>/dev/null; then echo "  WROTE /etc/sysward-demo-persist"; else echo "  /etc/sysward-demo-persist: refused"; fi
echo "installer: running tools"
uname -sr > app/uname.txt && id -un > app/user.txt && echo "  ran uname, id"
echo "installer: phoning home"
python3 - <<'PY'
import socket
try:
    socket.create_connection(("192.0.2.1", 443), timeout=2)
    print("  CONNECTED to 192.0.2.1:443")
except OSError as e:
    print("  192.0.2.1:443:", e.strerror)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(b"hello")
print("  loopback echo:", conn.recv(5).decode())
PY
echo "installer: done"
