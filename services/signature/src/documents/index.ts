export { formatIsoVietnam, formatVietnameseDate, formatVietnameseDateTime, VIETNAM_TIME_ZONE } from "./vietnamese-date";
