# One agency for the three functions, delegated to FunctionGraph (op_svc_cff), holding only lbwatch's custom
# policies. OBS is a global service: its policy is granted on the domain; SMN and KMS are regional: their policy is
# granted in the region's project.
resource "opentelekomcloud_identity_agency_v3" "functions" {
  name                  = "${var.name_prefix}-functions"
  description           = "lbwatch functions: read transferred logs, read and write lbwatch state, publish to the lbwatch topic"
  delegated_domain_name = "op_svc_cff"

  domain_roles = [opentelekomcloud_identity_role_v3.obs.display_name]

  project_role {
    project = var.region
    roles   = concat([opentelekomcloud_identity_role_v3.regional.display_name], var.agency_extra_project_roles)
  }
}

resource "opentelekomcloud_identity_role_v3" "obs" {
  display_name  = "${var.name_prefix}-functions-obs"
  description   = "lbwatch functions: read LTS transfers, read and write lbwatch state"
  display_layer = "domain"

  # Transferred access logs: read only, below the transfer path only.
  statement {
    effect   = "Allow"
    action   = ["obs:object:GetObject"]
    resource = ["OBS:*:*:object:${local.log_bucket}/${local.log_prefix}*"]
  }

  # lbwatch state: read, write and delete below STATE_PREFIX only.
  statement {
    effect   = "Allow"
    action   = ["obs:object:GetObject", "obs:object:PutObject", "obs:object:DeleteObject"]
    resource = ["OBS:*:*:object:${opentelekomcloud_obs_bucket.state.bucket}/${var.state_prefix}*"]
  }

  # Listing the state bucket: a missing key then answers 404 rather than 403, which the functions rely on.
  statement {
    effect   = "Allow"
    action   = ["obs:bucket:ListBucket"]
    resource = ["OBS:*:*:bucket:${opentelekomcloud_obs_bucket.state.bucket}"]
  }
}

resource "opentelekomcloud_identity_role_v3" "regional" {
  display_name  = "${var.name_prefix}-functions-regional"
  description   = "lbwatch functions: publish to SMN, use the state bucket's KMS key"
  display_layer = "project"

  # Publishing: no resource path for SMN topics is documented for custom policies, so this covers the project's
  # topics (README.md).
  statement {
    effect = "Allow"
    action = ["smn:topic:publish"]
  }

  # Objects in the SSE-KMS state bucket: data keys of that one key only.
  statement {
    effect   = "Allow"
    action   = ["kms:dek:create", "kms:dek:crypto"]
    resource = ["KMS:*:*:KeyId:${local.state_kms_key_id}"]
  }
}
