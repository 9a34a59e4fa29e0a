#!/bin/sh
# Adds Promptpress to your desktop's application menu, pointing at this folder (run it again after
# moving the folder). Remove: rm ~/.local/share/applications/promptpress.desktop
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
mkdir -p "$apps"
sed -e "s|^Exec=promptpress|Exec=\"$here/promptpress\"|" -e "s|^Icon=promptpress|Icon=$here/promptpress.png|" \
    "$here/promptpress.desktop" > "$apps/promptpress.desktop"
echo "Added $apps/promptpress.desktop"
