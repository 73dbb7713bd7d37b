#!/bin/bash
# matter-pipeline drain hook. Watches Azure Scheduled Events; when an event names this instance (Terminate on
# scale-in or instance repair, Preempt, Reboot or Redeploy for maintenance), it stops the service — which turns
# readiness to refusing, stops receiving, lets in-flight messages finish and settles them within its shutdown grace —
# and only then acknowledges the event, so Azure proceeds. The scale set's termination notice (PT5M) bounds the wait.
set -u
service="$1"
imds=http://169.254.169.254/metadata
api=api-version=2020-07-01
self=""
while [ -z "$self" ]; do
  self=$(curl -sf -H Metadata:true "$imds/instance/compute/name?api-version=2021-02-01&format=text") || sleep 5
done
while true; do
  # The first call also turns Scheduled Events on for this instance.
  if events=$(curl -sf -H Metadata:true "$imds/scheduledevents?$api"); then
    for id in $(printf '%s' "$events" | jq -r --arg self "$self" '.Events[]
        | select(.EventStatus == "Scheduled")
        | select(.EventType == "Terminate" or .EventType == "Preempt" or .EventType == "Reboot" or .EventType == "Redeploy")
        | select(.Resources | index($self)) | .EventId'); do
      logger -t matter-pipeline-drain "scheduled event $id for $self: draining $service"
      systemctl stop "$service.service" # returns once the service exited (TimeoutStopSec bounds it)
      curl -sf -H Metadata:true -X POST -H 'Content-Type: application/json' \
        -d "{\"StartRequests\":[{\"EventId\":\"$id\"}]}" "$imds/scheduledevents?$api" \
        && logger -t matter-pipeline-drain "acknowledged $id"
    done
  fi
  sleep 5
done
