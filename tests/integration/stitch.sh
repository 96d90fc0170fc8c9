# The stitch's rule for a model's result that is not its window's length
# (scene.h): one or two frames over are cut, one or two short are padded
# with the last frame, and the scene still has the source's frames; three
# off fails, naming both counts.  Driven through the media workers by
# build/tool_longscene, on the 29.97 fps scene (two windows: 299 + 149).
. "$TOP/tests/lib.sh"

TOOL="$TOP/$BUILD/tool_longscene"
SRC="$FIX/long_15s_2997.mp4"
DUB="$FIX/long_15s_2997.wav"

mkdir -p "$T/mend"
expect_exit "window 1 two frames over, window 2 one short: stitched" 0 \
    "$TOOL" "$SRC" "$DUB" "$T/mend" --off 1:2 --off 2:-1
contains "... both mended" "$T/out" "stitch_mended 2"
contains "... by re-encoding, as a coded stream cannot lose or repeat a frame" "$T/out" "stitch_copied 0"
contains "... and the scene keeps the source's 448 frames at 29.97 fps" "$T/out" \
    "verified 448 frames at 30000/1001"
n=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames \
    -of csv=p=0 "$T/mend/scene.mp4")
[ "$n" = 448 ] && pass "ffprobe counts 448 frames in the delivered scene" ||
    fail "ffprobe counts 448 frames in the delivered scene" "$n"

mkdir -p "$T/off"
expect_exit "a window three frames short fails the stitch" 1 \
    "$TOOL" "$SRC" "$DUB" "$T/off" --off 2:-3
contains "... naming both counts" "$T/err" "146"
contains "... and the window's" "$T/err" "149"
[ ! -e "$T/off/scene.mp4" ] && pass "... and nothing is delivered" || fail "... and nothing is delivered"
