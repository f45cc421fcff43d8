terraform {
  required_version = ">= 1.5"

  required_providers {
    opentelekomcloud = {
      source = "opentelekomcloud/opentelekomcloud"
      # opentelekomcloud_lb_lts_log_v3 (ELB access logging into LTS) is in 1.36.53; every resource and argument used
      # here is checked against the provider's schema by test/infra/otc (provider-schema.json names the commits).
      version = ">= 1.36.53, < 2.0.0"
    }
  }
}
