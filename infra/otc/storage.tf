# State bucket: partials, input records, incident claims and reports. Private, KMS-encrypted, expiring by folder.
resource "opentelekomcloud_kms_key_v1" "state" {
  count           = var.state_kms_key_id == null ? 1 : 0
  key_alias       = "${var.name_prefix}-state"
  key_description = "lbwatch state bucket encryption"
  pending_days    = "7"
}

locals {
  state_kms_key_id = var.state_kms_key_id == null ? opentelekomcloud_kms_key_v1.state[0].id : var.state_kms_key_id
}

resource "opentelekomcloud_obs_bucket" "state" {
  bucket        = var.state_bucket_name
  storage_class = "STANDARD"
  acl           = "private"
  versioning    = var.state_bucket_versioning
  tags          = var.tags

  server_side_encryption {
    algorithm  = "kms"
    kms_key_id = local.state_kms_key_id
  }

  dynamic "lifecycle_rule" {
    for_each = local.state_expiring_folders
    content {
      name    = "expire-${trimsuffix(lifecycle_rule.value, "/")}"
      enabled = true
      prefix  = "${var.state_prefix}${lifecycle_rule.value}"

      expiration {
        days = var.state_retention_days
      }
    }
  }

  lifecycle_rule {
    name    = "expire-reports"
    enabled = true
    prefix  = "${var.state_prefix}${local.report_folder}"

    expiration {
      days = var.report_retention_days
    }
  }
}

# Log bucket the LTS transfer writes into. Private; not KMS-encrypted, because a transfer into an encrypted bucket
# needs a KMS grant to LTS that the provider's transfer resource cannot give (see README.md).
resource "opentelekomcloud_obs_bucket" "logs" {
  count         = var.create_log_bucket ? 1 : 0
  bucket        = var.log_bucket_name
  storage_class = "STANDARD"
  acl           = "private"
  tags          = var.tags

  lifecycle_rule {
    name    = "expire-transferred-logs"
    enabled = true
    prefix  = local.log_prefix

    expiration {
      days = var.log_retention_days
    }
  }
}
