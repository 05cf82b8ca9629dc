# Sourced by test.sh: ensure_chromium installs Chromium (for the console's
# browser tests) and a font with Chinese glyphs with apt-get when Chromium
# is missing, and exports SLUICE_CHROMIUM with its path. Without root it
# says what to install and goes on: the browser tests then skip, or fail
# under CI=true.

find_chromium() {
	for name in chromium chromium-browser google-chrome; do
		if command -v "$name" >/dev/null 2>&1; then
			command -v "$name"
			return
		fi
	done
}

ensure_chromium() {
	path=$(find_chromium)
	if [ -z "$path" ]; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "chromium.sh: Chromium not found and not root: install the 'chromium' package for the browser tests" >&2
			return 0
		fi
		echo "chromium.sh: Chromium not found; installing it with apt-get" >&2
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
		path=$(find_chromium)
	fi
	if [ -n "$path" ]; then
		export SLUICE_CHROMIUM="$path"
		echo "chromium.sh: $("$path" --version 2>/dev/null || echo "$path")" >&2
	fi
}
