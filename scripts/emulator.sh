# Sourced by scripts/test and scripts/invoke-check: installs moto into the project's venv
# (once), starts it on a free loopback port, exports HOOKLINE_TEST_AWS_ENDPOINT, and stops it
# when the calling script exits. Dummy credentials and no metadata probing: nothing here may
# reach AWS.

VENV="${HOOKLINE_VENV:-.venv}"
if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "installing the moto emulator into $VENV (once)..." >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]>=5.1,<6"
fi

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

MOTO_PORT="${MOTO_PORT:-$(free_port)}"
MOTO_LOG="${TMPDIR:-/tmp}/hookline-moto-$MOTO_PORT.log"
# moto_serial.py: moto's server with DynamoDB's isolation of concurrent requests.
"$VENV/bin/python" "$(dirname "${BASH_SOURCE[0]}")/moto_serial.py" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
export HOOKLINE_TEST_AWS_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
echo "moto emulator on $HOOKLINE_TEST_AWS_ENDPOINT (log: $MOTO_LOG)" >&2
