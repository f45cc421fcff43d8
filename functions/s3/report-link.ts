/**
 * A link a person can click to the HTML report: a presigned GET URL on the S3 API (AWS S3, or OBS
 * through its S3-compatible endpoint). It carries the signer's credentials' lifetime as well as its
 * own: on FunctionGraph the agency's temporary credentials (valid 24 hours) end it sooner.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ReportLink } from '../core/report.js';

export function presignedReportLink(s3: S3Client, bucket: string): ReportLink {
  return (key, ttlSeconds) =>
    getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: ttlSeconds });
}
