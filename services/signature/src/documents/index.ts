export { formatIsoVietnam } from "./vietnamese-date";
