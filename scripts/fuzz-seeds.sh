#!/bin/sh
# Writes the seeds of the fuzz targets that come from other files into
# tests/fuzz/corpus/ (committed; run this again only when those files
# change).  The hand-written seeds beside them are kept.
#   fal_classify  tests/fixtures/replies/*.http as they are
#   fal_reply     their bodies
#   probe         a few media fixtures, cut to a tenth of a second by stream
#                 copy (or their first 16 KiB), so the corpus stays small
#   wire          the worker's replies for those cuts
# Needs `make` (for build/dubbatch-media) and `sh scripts/fixtures.sh`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
corpus=tests/fuzz/corpus
media=tests/fixtures/media
mkdir -p "$corpus/fal_classify" "$corpus/fal_reply" "$corpus/probe" \
         "$corpus/wire"

for f in tests/fixtures/replies/*.http; do
    n=$(basename "$f" .http)
    cp "$f" "$corpus/fal_classify/seed-$n"
    # The body: what follows the first blank line, less the final newline.
    awk 'body { printf "%s%s", sep, $0; sep = "\n" } /^$/ { body = 1 }' \
        "$f" >"$corpus/fal_reply/seed-$n"
done

cut_media() {
    in=$media/$1 out=$corpus/probe/seed-$2
    ffmpeg -v error -y -i "$in" -t 0.1 -map 0 -c copy -f "$3" "$out"
}
cut_media small_640x360.mp4 h264.mp4 mp4
cut_media rotated_phone.mp4 rotated.mp4 mp4
cut_media anamorphic.mp4 anamorphic.mp4 mp4
cut_media hevc.mp4 hevc.mp4 mp4
cut_media vfr.mp4 vfr.mp4 mp4
cut_media h264.mkv h264.mkv matroska
cut_media dub_mix.mov dub_mix.mov mov
cut_media speech.m4a speech.m4a ipod
cut_media speech.mp3 speech.mp3 mp3
# Its cover picture is most of its 2 MB: a 16x16 one is as much a cover.
ffmpeg -v error -y -i "$media/cover.mp3" -t 0.1 -map 0 -c:a copy -c:v mjpeg \
    -vf scale=16:16 -disposition:v attached_pic -f mp3 \
    "$corpus/probe/seed-cover.mp3"
cut_media speech.flac speech.flac flac
cut_media short_1s.wav short.wav wav
cut_media raw.aac raw.aac adts
cut_media speech.opus speech.opus ogg
cp "$media/speech.ogg" "$corpus/probe/seed-speech.ogg"
head -c 16384 "$media/truncated.mp4" >"$corpus/probe/seed-truncated.mp4"
head -c 16384 "$media/corrupt.mp4" >"$corpus/probe/seed-corrupt.mp4"
cp "$media/notmedia.txt" "$corpus/probe/seed-notmedia.txt"

for f in "$corpus"/probe/seed-*; do
    n=${f##*/seed-}
    printf '{"id":1,"op":"probe","path":"%s"}\n' "$f" |
        build/dubbatch-media | head -1 >"$corpus/wire/seed-$n"
done
du -sh "$corpus"
