resource "opentelekomcloud_smn_topic_v2" "alerts" {
  name         = "${var.name_prefix}-alerts"
  display_name = "lbwatch alerts"
  tags         = var.tags
}

resource "opentelekomcloud_smn_subscription_v2" "email" {
  count     = var.alert_email == null ? 0 : 1
  topic_urn = opentelekomcloud_smn_topic_v2.alerts.topic_urn
  protocol  = "email"
  endpoint  = var.alert_email
  remark    = "lbwatch alerts"
}

resource "opentelekomcloud_smn_subscription_v2" "https" {
  count     = var.alert_https_endpoint == null ? 0 : 1
  topic_urn = opentelekomcloud_smn_topic_v2.alerts.topic_urn
  protocol  = "https"
  endpoint  = var.alert_https_endpoint
  remark    = "lbwatch alerts"
}
