#!/bin/bash
# matter-pipeline deploy: run by the scale set's release extension on every instance, at creation and at each rolling
# upgrade. Writes the service's environment (passed base64-encoded: Terraform's settings, no secret), downloads
# <release>/<service>.jar from the releases container with the instance's managed identity (no key), then
# (re)starts the service; a restart stops the old process first, which drains it (TimeoutStopSec).
set -euo pipefail
service="$1" jar_url="$2" client_id="$3" environment_b64="$4"
cloud-init status --wait >/dev/null || true
install -d -m 0750 -o root -g matterpipeline /etc/matter-pipeline
printf '%s' "$environment_b64" | base64 -d > /etc/matter-pipeline/service.env.new
chgrp matterpipeline /etc/matter-pipeline/service.env.new && chmod 0640 /etc/matter-pipeline/service.env.new
token=$(curl -sf --retry 10 --retry-all-errors -H Metadata:true \
  "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F&client_id=$client_id" \
  | jq -r .access_token)
curl -sf --retry 10 --retry-all-errors -H "Authorization: Bearer $token" -H "x-ms-version: 2023-11-03" \
  -o "/opt/matter-pipeline/$service.jar.new" "$jar_url"
mv "/opt/matter-pipeline/$service.jar.new" "/opt/matter-pipeline/$service.jar"
mv /etc/matter-pipeline/service.env.new /etc/matter-pipeline/service.env
systemctl daemon-reload
systemctl enable "$service.service" matter-pipeline-drain.service
systemctl restart "$service.service"
systemctl start matter-pipeline-drain.service
