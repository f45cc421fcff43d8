# ---- Where and what ---------------------------------------------------------------------------------------------

variable "region" {
  description = "OTC region (also the IAM project name) of every resource, e.g. eu-de or eu-nl. The functions, the buckets, the LTS group and the load balancers must share it: OBS triggers and ELB access logging work within one region."
  type        = string
  default     = "eu-de"
}

variable "name_prefix" {
  description = "Prefix of every name this module gives (functions, LTS groups and streams, topic, agency, custom policies)."
  type        = string
  default     = "lbwatch"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name_prefix))
    error_message = "name_prefix: lowercase letters, digits and hyphens, starting with a letter, at most 31 characters."
  }
}

variable "obs_endpoint" {
  description = "S3-compatible OBS endpoint the functions use (AWS_ENDPOINT_URL_S3). Default: https://obs.<region>.otc.t-systems.com."
  type        = string
  default     = null
}

variable "smn_endpoint" {
  description = "SMN endpoint the functions publish to (SMN_ENDPOINT). Default: https://smn.<region>.otc.t-systems.com."
  type        = string
  default     = null
}

# ---- State bucket -----------------------------------------------------------------------------------------------

variable "state_bucket_name" {
  description = "Name of the OBS bucket created for lbwatch state and reports (OBS bucket names are global: pick a unique one)."
  type        = string
}

variable "state_prefix" {
  description = "Key prefix of all lbwatch state in the state bucket (STATE_PREFIX). Must end with a slash."
  type        = string
  default     = "lbwatch/"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-][A-Za-z0-9._/-]*/$", var.state_prefix))
    error_message = "state_prefix: letters, digits, . _ - and /, ending with /."
  }
}

variable "state_retention_days" {
  description = "Days after which partials, input records and incident claims expire (a month of reports plus lateness)."
  type        = number
  default     = 35
}

variable "report_retention_days" {
  description = "Days after which rendered reports expire."
  type        = number
  default     = 400
}

variable "state_bucket_versioning" {
  description = "Turn on OBS versioning for the state bucket. Off by default: state objects are rewritten often and the lifecycle rules expire only current versions."
  type        = bool
  default     = false
}

# ---- ELB access logs: LTS, transfer to OBS ----------------------------------------------------------------------

variable "loadbalancer_ids" {
  description = "IDs of existing dedicated load balancers (ELB v3) whose access logs go to the module's LTS stream. Access logging covers HTTP and HTTPS listeners only. Empty: enable access logging in the console and choose the stream output as access_log_stream_name."
  type        = list(string)
  default     = []
}

variable "access_log_ttl_days" {
  description = "Days LTS keeps the access logs itself (the copy in OBS is governed by log_retention_days)."
  type        = number
  default     = 7
}

variable "log_bucket_name" {
  description = "OBS bucket the LTS transfer writes into (a Standard bucket: LTS supports no other class). Created by this module unless create_log_bucket is false."
  type        = string
}

variable "create_log_bucket" {
  description = "Create log_bucket_name (private, encrypted, with an expiry rule for the transferred logs). False: the bucket exists already."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Days after which transferred log files expire in a bucket this module creates."
  type        = number
  default     = 30
}

variable "transfer_format" {
  description = "LTS transfer format. RAW writes each access-log line as it is; JSON wraps every line in an object (message, time, host and path fields) and is needed only to carry LTS tag fields, which lbwatch does not use. lbwatch reads both."
  type        = string
  default     = "RAW"

  validation {
    condition     = contains(["RAW", "JSON"], var.transfer_format)
    error_message = "transfer_format: RAW or JSON."
  }
}

variable "transfer_period" {
  description = "LTS transfer interval, with transfer_period_unit. The API accepts 2 min, 5 min, 30 min, 1 hour, 3, 6 or 12 hours; 5 min keeps alerts within minutes (files land up to about 10 minutes after each interval)."
  type        = number
  default     = 5

  validation {
    condition     = contains([2, 5, 30, 1, 3, 6, 12], var.transfer_period)
    error_message = "transfer_period: 2, 5 or 30 (min), or 1, 3, 6 or 12 (hour)."
  }
}

variable "transfer_time_zone" {
  description = "Time zone of the transfer's directory and file names (obs_time_zone), with transfer_time_zone_id."
  type        = string
  default     = "UTC"
}

variable "transfer_time_zone_id" {
  description = "Time zone id of the transfer's directory and file names (obs_time_zone_id), e.g. Etc/GMT for UTC."
  type        = string
  default     = "Etc/GMT"
}

variable "transfer_period_unit" {
  description = "Unit of transfer_period: min or hour."
  type        = string
  default     = "min"

  validation {
    condition     = contains(["min", "hour"], var.transfer_period_unit)
    error_message = "transfer_period_unit: min or hour."
  }
}

variable "transfer_file_prefix" {
  description = "Optional file-name prefix of transferred files (LTS writes <prefix>_<file name>). null: none."
  type        = string
  default     = null
}

variable "transfer_dir_prefix" {
  description = "Optional custom transfer path; LTS writes below LogTanks/<region>/ either way. null: the default path LogTanks/<region>/<YYYY>/<MM>/<DD>/<log group>/<log stream>/."
  type        = string
  default     = null
}

variable "log_suffixes" {
  description = "Key suffixes the ingest function accepts (LOG_SUFFIX). LTS documents the path and the optional prefix of transferred files, not the rest of their names: check the first transferred object and adjust."
  type        = list(string)
  default     = [".log", ".log.gz", ".gz", ".zip"]

  validation {
    condition     = length(var.log_suffixes) > 0
    error_message = "log_suffixes: give at least one suffix."
  }
}

# ---- Functions --------------------------------------------------------------------------------------------------

variable "runtime" {
  description = "FunctionGraph runtime. The bundles are built for Node.js 20; use Node.js18.15 only where the region offers no Node.js 20 runtime."
  type        = string
  default     = "Node.js20.15"
}

variable "ingest_zip" {
  description = "Code of the ingest function. Default: dist/otc/ingest.zip of this repository (built by npm run build), relative to this module."
  type        = string
  default     = null
}

variable "report_zip" {
  description = "Code of the report function. Default: dist/otc/report.zip of this repository, relative to this module."
  type        = string
  default     = null
}

variable "memory_size" {
  description = "Memory of each function, in MB."
  type        = number
  default     = 1024
}

variable "ingest_timeout" {
  description = "Timeout of the ingest function, in seconds (3 to 900)."
  type        = number
  default     = 300
}

variable "report_timeout" {
  description = "Timeout of the report function, in seconds (3 to 900)."
  type        = number
  default     = 900
}

variable "report_schedule" {
  description = "Cron expression of the report timer (FunctionGraph format: seconds minutes hours day-of-month month [day-of-week]). Default: daily at 00:05 UTC. CRON_TZ names the time zone; without it the region's time zone applies."
  type        = string
  default     = "CRON_TZ=UTC 0 5 0 * * *"
}

variable "check_schedule" {
  description = "Schedule of the check timer (FunctionGraph @every format or cron expression). Default: every 5 minutes."
  type        = string
  default     = "@every 5m"
}

variable "report_period" {
  description = "Period each report covers (REPORT_PERIOD)."
  type        = string
  default     = "1d"
}

variable "rules" {
  description = "Inline YAML or JSON rules (RULES). null: the built-in rules."
  type        = string
  default     = null
}

variable "query_strings" {
  description = "drop removes query strings from messages; keep leaves them (they can carry tokens and personal data) (QUERY_STRINGS)."
  type        = string
  default     = "drop"

  validation {
    condition     = contains(["drop", "keep"], var.query_strings)
    error_message = "query_strings: drop or keep."
  }
}

variable "s3_force_path_style" {
  description = "Address buckets by path instead of virtual host on the OBS endpoint (S3_FORCE_PATH_STYLE)."
  type        = bool
  default     = false
}

variable "function_log_ttl_days" {
  description = "Days LTS keeps the functions' own logs."
  type        = number
  default     = 30
}

variable "agency_extra_project_roles" {
  description = "Further role names granted to the functions' agency in the region's project. Empty by default; see infra/otc/README.md for when one is needed."
  type        = list(string)
  default     = []
}

# ---- Notifications ----------------------------------------------------------------------------------------------

variable "alert_email" {
  description = "Email address subscribed to the SMN topic (the address must confirm the subscription). null: none."
  type        = string
  default     = null
}

variable "alert_https_endpoint" {
  description = "HTTPS URL subscribed to the SMN topic (it must confirm the subscription). null: none."
  type        = string
  default     = null
}

variable "alert_webhook_url" {
  description = "Webhook receiving incident notifications as JSON (ALERT_WEBHOOK_URL). Passed as an encrypted environment variable. null: none."
  type        = string
  default     = null
  sensitive   = true
}

variable "slack_webhook_url" {
  description = "Slack incoming-webhook URL (SLACK_WEBHOOK_URL). Passed as an encrypted environment variable. null: none."
  type        = string
  default     = null
  sensitive   = true
}

variable "teams_webhook_url" {
  description = "Microsoft Teams Workflows webhook URL (TEAMS_WEBHOOK_URL). Passed as an encrypted environment variable. null: none."
  type        = string
  default     = null
  sensitive   = true
}

variable "pagerduty_routing_key" {
  description = "PagerDuty Events API v2 routing key (PAGERDUTY_ROUTING_KEY). Passed as an encrypted environment variable. null: none."
  type        = string
  default     = null
  sensitive   = true
}

variable "tags" {
  description = "Tags on the functions, the topic and created buckets."
  type        = map(string)
  default     = {}
}

variable "state_kms_key_id" {
  description = "ID of an existing KMS key (of the region's base project) that encrypts the state bucket. null: the module creates one."
  type        = string
  default     = null
}
