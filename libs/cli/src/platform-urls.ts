import { PLATFORM_SERVICES, type ServiceName } from "@lienthong/contracts";

/** Where each service answers when `lienthong start` counted its HTTP ports up from `httpBase`, in service order. */
export type PlatformUrls = Record<ServiceName, string>;

export function platformUrls(host: string, httpBase: number): PlatformUrls {
  return Object.fromEntries(
    PLATFORM_SERVICES.map((service, index) => [service.name, `http://${host}:${httpBase + index}`]),
  ) as PlatformUrls;
}
