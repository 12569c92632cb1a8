#!/bin/sh
# The installed app's icons (public/icons/, named in public/manifest.webmanifest), made from
# public/favicon.svg with rsvg-convert (Debian's librsvg2-bin). Run again after changing the favicon.
#   icon-192.png, icon-512.png: the favicon as it is ("any" purpose: rounded corners, transparent).
#   icon-maskable-512.png: full-bleed background, the glyph scaled to 70% so it stays inside the
#   maskable safe zone (the centred circle of 80% diameter) whatever mask the platform applies.
set -eu
cd "$(dirname "$0")/.."
mkdir -p public/icons
rsvg-convert -w 192 -h 192 public/favicon.svg -o public/icons/icon-192.png
rsvg-convert -w 512 -h 512 public/favicon.svg -o public/icons/icon-512.png
bg=$(sed -n 's/.*<rect[^>]*fill="\(#[0-9a-fA-F]*\)".*/\1/p' public/favicon.svg)
inner=$(sed -e 's/^<svg[^>]*>//' -e 's/<\/svg>[[:space:]]*$//' public/favicon.svg)
printf '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" fill="%s"/><svg x="2.4" y="2.4" width="11.2" height="11.2" viewBox="0 0 16 16">%s</svg></svg>\n' "$bg" "$inner" \
  | rsvg-convert -w 512 -h 512 -o public/icons/icon-maskable-512.png
echo "wrote public/icons/icon-192.png icon-512.png icon-maskable-512.png"
