resource "opentelekomcloud_fgs_function_v2" "lbwatch" {
  for_each    = local.functions
  name        = "${var.name_prefix}-${each.key}"
  description = each.value.description
  app         = "default"
  runtime     = var.runtime
  handler     = "index.handler"
  memory_size = var.memory_size
  timeout     = each.value.timeout

  # Ingest runs as one instance (see local.functions); report keeps FunctionGraph's default.
  max_instance_num = each.value.instances == null ? null : tostring(each.value.instances)

  code_type     = "zip"
  code_filename = "${each.key}.zip"
  func_code     = filebase64(each.value.zip)

  # agency: what triggers and the platform act with; app_agency: the credentials the code gets in its context.
  agency     = opentelekomcloud_identity_agency_v3.functions.name
  app_agency = opentelekomcloud_identity_agency_v3.functions.name

  user_data           = jsonencode(local.environment)
  encrypted_user_data = length(local.secrets) > 0 ? jsonencode(local.secrets) : null

  log_group_id   = opentelekomcloud_lts_group_v2.functions.id
  log_group_name = opentelekomcloud_lts_group_v2.functions.group_name
  log_topic_id   = opentelekomcloud_lts_stream_v2.functions[each.key].id
  log_topic_name = opentelekomcloud_lts_stream_v2.functions[each.key].stream_name

  tags = var.tags
}

# New transfer files -> ingest. The prefix keeps the trigger off anything else in the bucket.
resource "opentelekomcloud_fgs_trigger_v2" "ingest_obs" {
  function_urn = opentelekomcloud_fgs_function_v2.lbwatch["ingest"].urn
  type         = "OBS"
  event_data = jsonencode({
    name   = "${var.name_prefix}-transfers"
    bucket = local.log_bucket
    events = ["s3:ObjectCreated:*"]
    prefix = local.log_prefix
  })

  # The transfer task must exist before objects can arrive; the bucket before the trigger can be bound to it.
  depends_on = [opentelekomcloud_lts_transfer_v2.access]
}

resource "opentelekomcloud_fgs_trigger_v2" "report_timer" {
  function_urn = opentelekomcloud_fgs_function_v2.lbwatch["report"].urn
  type         = "TIMER"
  event_data = jsonencode({
    name          = "${var.name_prefix}-report"
    schedule_type = "Cron"
    schedule      = var.report_schedule
    user_event    = "report"
  })
}

# The scheduled check runs in the ingest function (the one writer of incident state on OBS).
resource "opentelekomcloud_fgs_trigger_v2" "check_timer" {
  function_urn = opentelekomcloud_fgs_function_v2.lbwatch["ingest"].urn
  type         = "TIMER"
  event_data = jsonencode({
    name          = "${var.name_prefix}-check"
    schedule_type = "Cron"
    schedule      = var.check_schedule
    user_event    = "check"
  })
}
