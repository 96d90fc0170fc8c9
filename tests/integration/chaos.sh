# Paid work is never lost: 24 distinct jobs against a fake fal that fails
# every route the way real edges fail, with the runner SIGKILLed at six
# random moments and run again until it ends (scripts/chaos.sh; make
# chaos runs the long form).
. "$TOP/tests/lib.sh"
sh "$TOP/scripts/chaos.sh" 24 6 11
