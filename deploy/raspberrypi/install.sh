#!/usr/bin/env bash
# Installs ReactorTwin on a Raspberry Pi (Raspberry Pi OS / Debian, arm64), as root:
#   sudo ./install.sh path/to/publish-folder
# where the folder is the output of (on any machine with the .NET 10 SDK):
#   dotnet publish firmware-host/ReactorTwin.Host -c Release -r linux-arm64 --self-contained -o publish
set -euo pipefail
src="${1:?usage: install.sh PUBLISH_FOLDER}"
[ -x "$src/reactortwin" ] || { echo "error: $src/reactortwin not found; run dotnet publish first" >&2; exit 1; }
here="$(cd "$(dirname "$0")" && pwd)"

apt-get update
apt-get install -y mosquitto mosquitto-clients
# libgpiod: System.Device.Gpio's GpioController drives the pins through it on a Pi 5 (and falls back to it elsewhere).
# Raspberry Pi OS bookworm ships the 1.6 library as libgpiod2 (libgpiod.so.2); a Debian 13 based system has libgpiod3.
apt-get install -y libgpiod2 gpiod || apt-get install -y libgpiod3 gpiod
id reactortwin >/dev/null 2>&1 || useradd --system --home /var/lib/reactortwin --shell /usr/sbin/nologin reactortwin
for g in gpio i2c spi; do getent group "$g" >/dev/null && usermod -aG "$g" reactortwin; done

install -d -o reactortwin -g reactortwin /var/lib/reactortwin /var/lib/reactortwin/mqtt-queue
install -d /opt/reactortwin /etc/reactortwin
cp -r "$src"/. /opt/reactortwin/
[ -f /etc/reactortwin/appsettings.json ] || install -m 0640 -g reactortwin "$here/appsettings.json" /etc/reactortwin/appsettings.json
install -m 0644 "$here/mosquitto.conf" /etc/mosquitto/conf.d/reactortwin.conf
install -m 0644 "$here/reactortwin.service" /etc/systemd/system/reactortwin.service

systemctl daemon-reload
systemctl restart mosquitto
systemctl enable --now reactortwin
echo "installed; logs: journalctl -u reactortwin -f; topics: mosquitto_sub -t 'reactortwin/#' -v"
