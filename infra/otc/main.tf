locals {
  obs_endpoint = coalesce(var.obs_endpoint, "https://obs.${var.region}.otc.t-systems.com")
  smn_endpoint = coalesce(var.smn_endpoint, "https://smn.${var.region}.otc.t-systems.com")

  # LTS writes every transfer below LogTanks/<region>/, with or without a custom path.
  log_prefix = "LogTanks/${var.region}/"
  log_bucket = var.create_log_bucket ? opentelekomcloud_obs_bucket.logs[0].bucket : var.log_bucket_name

  # Folders below STATE_PREFIX and how long they live (the same layout as the AWS deployment).
  state_expiring_folders = ["windows/", "rollups/", "partials/", "inputs/"]
  report_folder          = "reports/"

  code_directory = "${path.module}/../../dist/otc"

  # One entry per function; the triggers below pick theirs by key.
  functions = {
    ingest = {
      description = "lbwatch: reads LTS transfers of ELB access logs from OBS, updates windows and incidents; the scheduled check on its timer"
      timeout     = var.ingest_timeout
      zip         = coalesce(var.ingest_zip, "${local.code_directory}/ingest.zip")
      # One instance at most: OBS ignores conditional writes (If-None-Match / If-Match on PUT), so the one ingest
      # instance, which also runs the scheduled check, is the only writer of windows, incidents and load-balancer
      # states, and its invocations never overlap.
      instances = 1
    }
    report = {
      description = "lbwatch: writes the scheduled report to the state bucket and announces it"
      timeout     = var.report_timeout
      zip         = coalesce(var.report_zip, "${local.code_directory}/report.zip")
      instances   = null
    }
  }

  environment = merge(
    {
      STATE_BUCKET        = opentelekomcloud_obs_bucket.state.bucket
      STATE_PREFIX        = var.state_prefix
      LOG_PREFIX          = local.log_prefix
      LOG_SUFFIX          = join(",", var.log_suffixes)
      AWS_ENDPOINT_URL_S3 = local.obs_endpoint
      AWS_REGION          = var.region
      S3_FORCE_PATH_STYLE = tostring(var.s3_force_path_style)
      REPORT_PERIOD       = var.report_period
      SMN_TOPIC_URN       = opentelekomcloud_smn_topic_v2.alerts.topic_urn
      SMN_ENDPOINT        = local.smn_endpoint
      QUERY_STRINGS       = var.query_strings
    },
    var.rules == null ? {} : { RULES = var.rules },
  )

  # Secrets go to encrypted_user_data: FunctionGraph stores them encrypted and the console does not show them.
  secrets = {
    for name, value in {
      ALERT_WEBHOOK_URL     = var.alert_webhook_url
      SLACK_WEBHOOK_URL     = var.slack_webhook_url
      TEAMS_WEBHOOK_URL     = var.teams_webhook_url
      PAGERDUTY_ROUTING_KEY = var.pagerduty_routing_key
    } : name => value if value != null
  }
}
