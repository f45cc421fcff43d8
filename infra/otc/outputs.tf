output "state_bucket" {
  description = "OBS bucket holding lbwatch state and reports (reports under <state_prefix>reports/)."
  value       = opentelekomcloud_obs_bucket.state.bucket
}

output "log_bucket" {
  description = "OBS bucket the LTS transfer writes into."
  value       = local.log_bucket
}

output "log_prefix" {
  description = "Key prefix of the transferred access logs (the OBS trigger's prefix and LOG_PREFIX)."
  value       = local.log_prefix
}

output "access_log_group_id" {
  description = "LTS log group of the ELB access logs."
  value       = opentelekomcloud_lts_group_v2.access.id
}

output "access_log_stream_id" {
  description = "LTS log stream of the ELB access logs (choose it when enabling access logging in the console)."
  value       = opentelekomcloud_lts_stream_v2.access.id
}

output "access_log_stream_name" {
  description = "Name of the LTS log stream of the ELB access logs."
  value       = opentelekomcloud_lts_stream_v2.access.stream_name
}

output "transfer_id" {
  description = "LTS transfer task (set its compression in the LTS console)."
  value       = opentelekomcloud_lts_transfer_v2.access.id
}

output "function_urns" {
  description = "URNs of the ingest (which also runs the scheduled check) and report functions."
  value       = { for name, function in opentelekomcloud_fgs_function_v2.lbwatch : name => function.urn }
}

output "topic_urn" {
  description = "SMN topic that receives alerts and report announcements."
  value       = opentelekomcloud_smn_topic_v2.alerts.topic_urn
}

output "agency_name" {
  description = "IAM agency the functions run with."
  value       = opentelekomcloud_identity_agency_v3.functions.name
}
