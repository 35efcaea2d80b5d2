"""Every carrier wismo knows, by stable lower-case slug: names, tracking pages, source codes.

This is the one list of carrier ids. Detection, providers and replies refer to carriers only by
these slugs; each source's own code for a carrier is looked up here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Carrier:
    slug: str
    name: str
    tracking_url: str | None = None  # "{number}" is replaced by the tracking number
    aftership: str | None = None  # AfterShip courier slug
    seventeentrack: int | None = None  # 17TRACK numeric carrier code
    kuaidi100: str | None = None  # Kuaidi100 company code

    def tracking_page(self, number: str) -> str | None:
        return self.tracking_url.format(number=number) if self.tracking_url else None


CARRIERS: tuple[Carrier, ...] = (
    Carrier("ups", "UPS", "https://www.ups.com/track?tracknum={number}", "ups", 100002, "ups"),
    Carrier(
        "fedex",
        "FedEx",
        "https://www.fedex.com/fedextrack/?trknbr={number}",
        "fedex",
        100003,
        "fedex",
    ),
    Carrier(
        "usps",
        "USPS",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
        "usps",
        21051,
        "usps",
    ),
    Carrier(
        "dhl",
        "DHL Express",
        "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}",
        "dhl",
        100001,
        "dhl",
    ),
    Carrier(
        "dhl-paket",
        "DHL Paket",
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={number}",
        "dhl-germany",
        7041,
        "dhlde",
    ),
    Carrier(
        "dhl-ecommerce",
        "DHL eCommerce",
        "https://webtrack.dhlecs.com/?trackingnumber={number}",
        "dhl-global-mail",
        None,
        None,
    ),
    Carrier("amazon", "Amazon Logistics", None, "amazon", 100308, None),
    Carrier(
        "canada-post",
        "Canada Post",
        "https://www.canadapost-postescanada.ca/track-reperage/en#/details/{number}",
        "canada-post",
        3041,
        None,
    ),
    Carrier("canpar", "Canpar", None, "canpar", None, None),
    Carrier("dpd", "DPD", "https://tracking.dpd.de/status/en_US/parcel/{number}", "dpd", 100007),
    Carrier("gofo", "GOFO Express", None, None, None, None),
    Carrier("landmark", "Landmark Global", None, "landmark-global", None, None),
    Carrier("lasership", "LaserShip", None, "lasership", None, None),
    Carrier("old-dominion", "Old Dominion", None, "old-dominion", None, None),
    Carrier("ontrac", "OnTrac", "https://www.ontrac.com/tracking/?number={number}", "ontrac"),
    Carrier("purolator", "Purolator", None, "purolator", None, None),
    Carrier("speedee", "Spee-Dee Delivery", None, None, None, None),
    Carrier("yodel", "Yodel", "https://www.yodel.co.uk/tracking/{number}", "yodel", None),
    Carrier("hermes", "Hermes / Evri", None, "hermes-de", 100031, None),
    Carrier("gls", "GLS", None, "gls", 100005, None),
    Carrier(
        "yunexpress",
        "YunExpress",
        "https://www.yuntrack.com/parcelTracking?id={number}",
        "yunexpress",
        190008,
        None,
    ),
    Carrier(
        "cainiao",
        "Cainiao",
        "https://global.cainiao.com/detail.htm?mailNoList={number}",
        "cainiao",
        190271,
        None,
    ),
    Carrier("4px", "4PX", "https://track.4px.com/#/result/0/{number}", "4px", 190094, None),
    Carrier(
        "yanwen",
        "Yanwen",
        "https://track.yw56.com.cn/en/querydel?nums={number}",
        "yanwen",
        190012,
        None,
    ),
    Carrier(
        "sf-express", "SF Express", "https://www.sf-express.com/", "sf-express", 100012, "shunfeng"
    ),
    Carrier("jt-express", "J&T Express", None, "jtexpress", None, "jtexpress"),
    Carrier("yto", "YTO Express", None, "yto", None, "yuantong"),
    Carrier("zto", "ZTO Express", None, "zto-express", None, "zhongtong"),
    Carrier("sto", "STO Express", None, "sto", None, "shentong"),
    Carrier("yunda", "Yunda Express", None, "yunda", None, "yunda"),
    Carrier("jd", "JD Logistics", None, "jd", None, "jd"),
    Carrier(
        "china-post", "China Post", "https://www.ems.com.cn/", "china-post", 3011, "youzhengguonei"
    ),
    Carrier("china-ems", "China EMS", "https://www.ems.com.cn/", "china-ems", 3011, "ems"),
    Carrier(
        "royal-mail",
        "Royal Mail",
        "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
        "royal-mail",
        11031,
        None,
    ),
    Carrier(
        "japan-post",
        "Japan Post",
        "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&locale=en",
        "japan-post",
        None,
        None,
    ),
    Carrier("correios", "Correios", None, "brazil-correios", 2151, None),
    Carrier(
        "postnl",
        "PostNL",
        "https://postnl.nl/tracktrace/?B={number}&D=NL&T=C",
        "postnl",
        None,
        None,
    ),
    Carrier("parcelforce", "Parcelforce", None, "parcel-force", None, None),
    Carrier(
        "australia-post",
        "Australia Post",
        "https://auspost.com.au/mypost/track/details/{number}",
        "australia-post",
        None,
        None,
    ),
    # National posts that issue UPU S10 numbers (named by the S10 country suffix).
    Carrier("hong-kong-post", "Hongkong Post", None, "hong-kong-post", None, None),
    Carrier("singapore-post", "Singapore Post", None, "singapore-post", None, None),
    Carrier("swiss-post", "Swiss Post", None, "swiss-post", None, None),
    Carrier("new-zealand-post", "New Zealand Post", None, "new-zealand-post", None, None),
    Carrier(
        "poste-italiane",
        "Poste Italiane",
        "https://www.poste.it/cerca/index.html#/risultati-spedizioni/{number}",
        "poste-italiane",
        None,
        None,
    ),
    Carrier(
        "la-poste",
        "La Poste (Colissimo)",
        "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
        None,
        None,
        None,
    ),
    Carrier(
        "correos",
        "Correos (Spain)",
        "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={number}",
        None,
        None,
        None,
    ),
    Carrier("korea-post", "Korea Post", None, None, None, None),
    Carrier("postnord", "PostNord", None, None, None, None),
    Carrier("bpost", "bpost", None, None, None, None),
    Carrier("austrian-post", "Austrian Post", None, None, None, None),
    Carrier("an-post", "An Post", None, None, None, None),
    Carrier("posten-norge", "Posten Norge", None, None, None, None),
    Carrier("posti", "Posti", None, None, None, None),
    Carrier("ctt", "CTT Correios de Portugal", None, None, None, None),
    Carrier("poczta-polska", "Poczta Polska", None, None, None, None),
    Carrier("india-post", "India Post", None, None, None, None),
    Carrier("israel-post", "Israel Post", None, None, None, None),
    Carrier("thailand-post", "Thailand Post", None, None, None, None),
    Carrier("pos-malaysia", "Pos Malaysia", None, None, None, None),
    Carrier("correos-de-mexico", "Correos de México", None, None, None, None),
    Carrier("saudi-post", "Saudi Post (SPL)", None, None, None, None),
    Carrier("emirates-post", "Emirates Post", None, None, None, None),
    Carrier("ptt", "PTT (Turkey)", None, None, None, None),
    Carrier("russian-post", "Russian Post", None, None, None, None),
    Carrier("upu", "National post (UPU S10)", None, None, None, None),
)

BY_SLUG: dict[str, Carrier] = {carrier.slug: carrier for carrier in CARRIERS}


def carrier(slug: str) -> Carrier | None:
    """The carrier with this slug, or None for a slug we do not know."""
    return BY_SLUG.get(slug)
