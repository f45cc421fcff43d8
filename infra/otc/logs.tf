# ELB access logs: load balancer -> LTS log group/stream -> periodic transfer into the log bucket.
resource "opentelekomcloud_logtank_group_v2" "access" {
  group_name  = "${var.name_prefix}-elb-access"
  ttl_in_days = var.access_log_ttl_days
}

resource "opentelekomcloud_logtank_topic_v2" "access" {
  group_id   = opentelekomcloud_logtank_group_v2.access.id
  topic_name = "${var.name_prefix}-elb-access"
}

# Access logging for the given dedicated load balancers (HTTP and HTTPS listeners only; ELB logs no 400 responses).
resource "opentelekomcloud_lb_lts_log_v3" "access" {
  for_each        = toset(var.loadbalancer_ids)
  loadbalancer_id = each.value
  log_group_id    = opentelekomcloud_logtank_group_v2.access.id
  log_stream_id   = opentelekomcloud_logtank_topic_v2.access.id
}

# Compression of the transferred files is not an argument of this resource (the LTS API behind it has none);
# choose gzip or zip on the task in the LTS console after apply (README.md).
resource "opentelekomcloud_logtank_transfer_v2" "access" {
  log_group_id    = opentelekomcloud_logtank_group_v2.access.id
  log_stream_ids  = [opentelekomcloud_logtank_topic_v2.access.id]
  obs_bucket_name = local.log_bucket
  storage_format  = var.transfer_format
  period          = var.transfer_period
  period_unit     = var.transfer_period_unit
  switch_on       = true
  prefix_name     = var.transfer_file_prefix
  dir_prefix_name = var.transfer_dir_prefix
}

# The functions' own logs, kept function_log_ttl_days.
resource "opentelekomcloud_logtank_group_v2" "functions" {
  group_name  = "${var.name_prefix}-functions"
  ttl_in_days = var.function_log_ttl_days
}

resource "opentelekomcloud_logtank_topic_v2" "functions" {
  for_each   = local.functions
  group_id   = opentelekomcloud_logtank_group_v2.functions.id
  topic_name = "${var.name_prefix}-${each.key}"
}
