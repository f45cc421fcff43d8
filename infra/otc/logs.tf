# ELB access logs: load balancer -> LTS log group/stream -> periodic transfer into the log bucket.
resource "opentelekomcloud_lts_group_v2" "access" {
  group_name  = "${var.name_prefix}-elb-access"
  ttl_in_days = var.access_log_ttl_days
  tags        = var.tags
}

resource "opentelekomcloud_lts_stream_v2" "access" {
  group_id    = opentelekomcloud_lts_group_v2.access.id
  stream_name = "${var.name_prefix}-elb-access"
  tags        = var.tags
}

# Access logging for the given dedicated load balancers (HTTP and HTTPS listeners only; ELB logs no 400 responses).
resource "opentelekomcloud_lb_lts_log_v3" "access" {
  for_each        = toset(var.loadbalancer_ids)
  loadbalancer_id = each.value
  log_group_id    = opentelekomcloud_lts_group_v2.access.id
  log_stream_id   = opentelekomcloud_lts_stream_v2.access.id
}

# Compression of the transferred files is not an argument of this resource; choose gzip or zip on the task in the
# LTS console after apply (README.md).
resource "opentelekomcloud_lts_transfer_v2" "access" {
  log_group_id = opentelekomcloud_lts_group_v2.access.id

  log_streams {
    log_stream_id = opentelekomcloud_lts_stream_v2.access.id
  }

  log_transfer_info {
    log_transfer_type   = "OBS"
    log_transfer_mode   = "cycle"
    log_storage_format  = var.transfer_format
    log_transfer_status = "ENABLE"

    log_transfer_detail {
      obs_bucket_name     = local.log_bucket
      obs_period          = var.transfer_period
      obs_period_unit     = var.transfer_period_unit
      obs_prefix_name     = var.transfer_file_prefix
      obs_dir_prefix_name = var.transfer_dir_prefix
      # Directory and file names follow this time zone.
      obs_time_zone    = var.transfer_time_zone
      obs_time_zone_id = var.transfer_time_zone_id
    }
  }
}

# The functions' own logs, kept function_log_ttl_days.
resource "opentelekomcloud_lts_group_v2" "functions" {
  group_name  = "${var.name_prefix}-functions"
  ttl_in_days = var.function_log_ttl_days
  tags        = var.tags
}

resource "opentelekomcloud_lts_stream_v2" "functions" {
  for_each    = local.functions
  group_id    = opentelekomcloud_lts_group_v2.functions.id
  stream_name = "${var.name_prefix}-${each.key}"
  tags        = var.tags
}
