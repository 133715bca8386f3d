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
apt-get install -y mosquitto mosquitto-clients openssl
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
install -m 0640 -g mosquitto "$here/mosquitto.acl" /etc/mosquitto/reactortwin.acl
install -m 0644 "$here/reactortwin.service" /etc/systemd/system/reactortwin.service

# MQTT users (twin, instruments, operator, dashboard), each with a random password, made once. The passwords are kept
# in /etc/reactortwin/mqtt-users (root only); the twin's goes to the service's environment file.
users=/etc/reactortwin/mqtt-users
if [ ! -f "$users" ]; then
  umask 077
  : > "$users"
  for u in twin instruments operator dashboard; do
    p="$(openssl rand -base64 18 | tr -d '/+=')"
    echo "$u $p" >> "$users"
  done
  umask 022
fi
passwd=/etc/mosquitto/reactortwin.passwd
: > "$passwd"
while read -r u p; do mosquitto_passwd -b "$passwd" "$u" "$p"; done < "$users"
chown root:mosquitto "$passwd"; chmod 0640 "$passwd"
twin_password="$(awk '$1 == "twin" { print $2 }' "$users")"
install -m 0640 -g reactortwin /dev/null /etc/reactortwin/broker.env
printf 'REACTORTWIN_ReactorTwin__Broker__Username=twin\nREACTORTWIN_ReactorTwin__Broker__Password=%s\n' "$twin_password" > /etc/reactortwin/broker.env

systemctl daemon-reload
systemctl restart mosquitto
systemctl enable --now reactortwin
echo "installed; logs: journalctl -u reactortwin -f"
echo "MQTT users and passwords: sudo cat $users (topics: mosquitto_sub -u dashboard -P PASSWORD -t 'reactortwin/#' -v)"
