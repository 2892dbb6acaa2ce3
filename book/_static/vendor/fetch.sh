#!/usr/bin/env bash
# Reproduce the vendored JavaScript in this folder from the npm registry (pinned versions, checked by
# package integrity hashes that npm verifies). Run from anywhere: book/_static/vendor/fetch.sh
# Nothing here runs during the build: the files are committed so the book builds and reads offline.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

MATHJAX=mathjax@3.2.2
REQUIREJS=requirejs@2.3.8
HTMLMANAGER=@jupyter-widgets/html-manager@1.0.15

cd "$tmp"
for spec in "$MATHJAX" "$REQUIREJS" "$HTMLMANAGER"; do
  npm pack --silent "$spec" >/dev/null
done
for tgz in *.tgz; do
  mkdir -p "${tgz%.tgz}" && tar -xzf "$tgz" -C "${tgz%.tgz}"
done

# MathJax 3: the combined TeX+MathML -> CommonHTML component, and the fonts it loads relative to itself.
rm -rf "$here/mathjax" && mkdir -p "$here/mathjax/output/chtml/fonts"
cp mathjax-*/package/es5/tex-mml-chtml.js "$here/mathjax/"
cp -r mathjax-*/package/es5/output/chtml/fonts/woff-v2 "$here/mathjax/output/chtml/fonts/"
cp mathjax-*/package/LICENSE "$here/mathjax/LICENSE"

# require.js: the AMD loader the widget manager's embed-amd bundle needs.
rm -rf "$here/requirejs" && mkdir -p "$here/requirejs"
cp requirejs-*/package/require.js "$here/requirejs/"

# ipywidgets 8 HTML manager: renders the widget state saved in executed notebooks (no kernel needed).
rm -rf "$here/html-manager" && mkdir -p "$here/html-manager"
cp jupyter-widgets-html-manager-*/package/dist/embed-amd.js "$here/html-manager/"
# the Font Awesome fonts it bundles are loaded relative to the script (webpack publicPath "auto")
for ext in woff2 woff ttf eot svg; do cp jupyter-widgets-html-manager-*/package/dist/*."$ext" "$here/html-manager/"; done

echo "vendored into $here:"
(cd "$here" && du -sh mathjax requirejs html-manager)
