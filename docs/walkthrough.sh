#!/usr/bin/env bash
# The README's walk-through as a script: sign in, create users, a group, a
# workspace and records with ACLs, and see that two users get different
# listings; then upload a photo, wait for its renditions, and download
# what a download profile allows. Run it against a server started with
#   ATRIUM_BOOTSTRAP_PASSWORD='correct horse battery' go run ./cmd/atrium serve
# Needs curl and jq. ATRIUM_URL (default http://127.0.0.1:8080) and
# OWNER_PASSWORD (default 'correct horse battery') can be changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
A=${ATRIUM_URL:-http://127.0.0.1:8080}
PW=${OWNER_PASSWORD:-correct horse battery}
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT

# 1. Sign in as the owner: a session cookie plus a CSRF token for writes.
CSRF=$(curl -sf -c "$jar" "$A/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"login\":\"owner\",\"password\":\"$PW\"}" | jq -r .csrf_token)

# 2. Trade the session for an API token (shown once) and use it from here on.
TOKEN=$(curl -sf -b "$jar" "$A/api/v1/tokens" -H "X-CSRF-Token: $CSRF" \
  -H 'Content-Type: application/json' -d '{"name":"walkthrough"}' | jq -r .token)
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }

# 3. Two users, a group with Alice in it, and a workspace the group may view.
ALICE=$(api "$A/api/v1/users" -d '{"username":"alice","email":"alice@example.com","password":"alice password 1"}' | jq -r .id)
BOB=$(api "$A/api/v1/users" -d '{"username":"bob","email":"bob@example.com","password":"bob password 12"}' | jq -r .id)
NEWSROOM=$(api "$A/api/v1/groups" -d "{\"name\":\"Newsroom\",\"members\":[\"user:$ALICE\"]}" | jq -r .id)
NEWS=$(api "$A/api/v1/workspaces" -d "{\"name\":\"News\",\"members\":[{\"subject\":\"group:$NEWSROOM\",\"role\":\"viewer\"}]}" | jq -r .id)

# 4. Records: one with the account's default ACL (everyone may view), one
#    with an explicit empty ACL (only the workspace's members see it), one
#    shared with Bob alone.
api "$A/api/v1/records" -d "{\"workspace\":\"$NEWS\",\"title\":\"Press release\"}" >/dev/null
EMBARGO=$(api "$A/api/v1/records" -d "{\"workspace\":\"$NEWS\",\"title\":\"Embargoed story\",\"acl\":[]}" | jq -r .id)
api "$A/api/v1/records" -d "{\"workspace\":\"$NEWS\",\"title\":\"Brief for Bob\",\"acl\":[{\"subject\":\"user:$BOB\",\"permissions\":[\"view\"]}]}" >/dev/null

# 5. Each user signs in and lists the records they can see.
for who in "alice:alice password 1" "bob:bob password 12"; do
  name=${who%%:*}
  curl -sf -c "$jar" "$A/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$name\",\"password\":\"${who#*:}\"}" >/dev/null
  echo "$name sees: $(curl -sf -b "$jar" "$A/api/v1/records" | jq -c '{total, titles: [.records[].title]}')"
done

# 6. The owner asks the engine about Bob, and why Alice may see the embargo.
echo "bob can_view embargoed: $(api "$A/api/v1/check" -d "{\"subject\":\"user:$BOB\",\"permission\":\"can_view\",\"object\":\"record:$EMBARGO\"}" | jq -c .)"
echo "why alice can: $(api "$A/api/v1/explain" -d "{\"subject\":\"user:$ALICE\",\"permission\":\"can_view\",\"object\":\"record:$EMBARGO\"}" | jq -c '.paths[] | select(.via=="workspace_member") | [.steps[] | "\(.subject) \(.relation) \(.object)"]')"

# 7. Search by words, newest first, with the exact total: the owner finds the
#    embargoed story, Bob (still signed in above) does not even learn it exists.
echo "owner finds story: $(api "$A/api/v1/search?q=story" | jq -c '{total, titles: [.records[].title]}')"
echo "bob finds story: $(curl -sf -b "$jar" "$A/api/v1/search?q=story" | jq -c '{total, titles: [.records[].title]}')"

# 8. A photo: upload it as a new media object of a record (multipart), then
#    watch its renditions being made in the background.
PHOTOS=$(api "$A/api/v1/records" -d "{\"workspace\":\"$NEWS\",\"title\":\"Harbour at dawn\"}" | jq -r .id)
MED=$(curl -sf -H "Authorization: Bearer $TOKEN" -F "file=@$here/sample.jpg" "$A/api/v1/records/$PHOTOS/files" | jq -r .media.id)
for i in $(seq 150); do
  status=$(api "$A/api/v1/media/$MED" | jq -r '[.renditions[].status] | join(",")')
  [ "$status" = "ready,ready,ready" ] && break
  [ "$i" = 150 ] && { echo "renditions not ready after 30 s: $status" >&2; exit 1; }
  sleep 0.2
done
echo "renditions: $(api "$A/api/v1/media/$MED" | jq -c '[.renditions[] | "\(.kind) \(.status) \(.width)x\(.height)"]')"

# 9. Downloads: administrators keep every rendition; the newsroom gets web
#    sizes. Alice (a viewer) asks what she may download, saves the preview,
#    and is refused the large rendition (it needs can_download).
ALL=$(api "$A/api/v1/download-profiles" | jq -r '.profiles[] | select(.name=="All renditions") | .id')
ADMINS=$(api "$A/api/v1/groups" | jq -r '.groups[] | select(.name=="Administrators") | .id')
api -X PATCH "$A/api/v1/download-profiles/$ALL" -d "{\"holders\":[\"group:$ADMINS\"]}" >/dev/null
api "$A/api/v1/download-profiles" -d "{\"name\":\"Web\",\"rules\":[{\"media_type\":\"image\",\"renditions\":[\"preview\",\"thumbnail\"]}],\"holders\":[\"group:$NEWSROOM\"]}" >/dev/null
curl -sf -c "$jar" "$A/api/v1/auth/login" -H 'Content-Type: application/json' -d '{"login":"alice","password":"alice password 1"}' >/dev/null
echo "alice may download: $(curl -sf -b "$jar" "$A/api/v1/media/$MED/downloads" | jq -c '[.renditions[] | select(.download.allowed) | .rendition]')"
preview=$(mktemp)
trap 'rm -f "$jar" "$preview"' EXIT
echo "alice saves the preview: $(curl -sf -b "$jar" -o "$preview" -w '%{http_code} %{content_type}' "$A/api/v1/media/$MED/renditions/preview?download=1") $(wc -c <"$preview") bytes"
echo "alice asks for the large one: $(curl -s -b "$jar" "$A/api/v1/media/$MED/renditions/large?download=1" | jq -c .error.code)"
