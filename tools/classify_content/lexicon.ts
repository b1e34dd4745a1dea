/**
 * Seed vocabularies of common categories, so "energy" also recognizes "battery", "grid" and
 * "megawatt". A category matches a seed when one of its words is the seed's name or an alias.
 */
export const CATEGORY_SEEDS: readonly { readonly names: readonly string[]; readonly words: string }[] = [
  {
    names: ['energy', 'power', 'electricity', 'renewables', 'utilities'],
    words:
      'energy power electricity grid battery batteries storage solar wind hydro hydropower nuclear gas coal fuel renewable renewables ' +
      'megawatt gigawatt kilowatt mw gw mwh gwh kwh twh generation generator turbine transmission utility utilities substation inverter ' +
      'charging discharge capacity load demand peak frequency voltage lithium vanadium hydrogen emissions decarbonization plant operator',
  },
  {
    names: ['technology', 'tech', 'software', 'computing', 'it', 'ai', 'digital'],
    words:
      'technology software hardware computer computing cloud server serverless data algorithm api code developer engineering platform ' +
      'digital internet network model models machine learning ai artificial intelligence automation llm agent agents container kubernetes ' +
      'lambda database infrastructure deploy deployment latency application app programming open-source compute chip semiconductor',
  },
  {
    names: ['transport', 'transportation', 'mobility', 'transit', 'travel', 'automotive'],
    words:
      'transport transportation mobility transit bus buses rail railway train trains metro tram car cars vehicle vehicles traffic road roads ' +
      'congestion commuter commuters passenger passengers cycling bicycle bike scooter scooters freight truck trucks aviation airport airline ' +
      'shipping port fleet depot route routes ridership fare fares driver drivers parking highway lane lanes',
  },
  {
    names: ['health', 'healthcare', 'medicine', 'medical', 'public health'],
    words:
      'health healthcare medical medicine hospital hospitals patient patients doctor doctors nurse clinical disease diseases treatment therapy ' +
      'drug drugs vaccine vaccines infection epidemic pandemic mortality illness symptoms diagnosis care wellbeing asthma respiratory ' +
      'cancer heart mental nutrition physician pharmaceutical clinic outbreak exposure',
  },
  {
    names: ['environment', 'climate', 'ecology', 'sustainability', 'nature'],
    words:
      'environment environmental climate carbon emissions pollution air quality biodiversity ecosystem ecosystems habitat wildlife species ' +
      'conservation forest forests water rivers ocean warming greenhouse co2 sustainability sustainable waste recycling land soil ' +
      'drought flood floods nitrogen dioxide particulate pollutants ecological nature',
  },
  {
    names: ['finance', 'economy', 'economics', 'money', 'markets', 'investment'],
    words:
      'finance financial money market markets price prices pricing cost costs revenue revenues profit profits investment investors invest ' +
      'capital bank banks loan loans interest rate rates inflation budget economy economic dollar dollars euro billion million funding ' +
      'subsidy subsidies tax taxes tariff tariffs stock shares equity debt payment payments auction contract contracts',
  },
  {
    names: ['policy', 'politics', 'government', 'regulation', 'law', 'legal'],
    words:
      'policy policies government governments regulation regulations regulator regulators law laws legal legislation rule rules ' +
      'minister ministry parliament congress senate election elections political politics public council authority federal state ' +
      'mandate mandates compliance enforcement court courts act bill reform subsidy incentive incentives permit permitting standard standards',
  },
  {
    names: ['science', 'research', 'academia'],
    words:
      'science scientific research researchers study studies experiment experiments laboratory lab hypothesis data analysis university ' +
      'professor journal published evidence measurement measurements physics chemistry biology theory findings peer-reviewed sample ' +
      'samples statistical method methods trial trials chemical molecule',
  },
  {
    names: ['business', 'commerce', 'industry', 'companies', 'enterprise'],
    words:
      'business businesses company companies firm firms corporate industry industries market customer customers sales revenue startup ' +
      'startups enterprise enterprises management manager managers strategy competition competitor competitors product products ' +
      'service services supplier suppliers supply chain retail brand growth profit contract employees workforce',
  },
  {
    names: ['security', 'cybersecurity', 'safety', 'defense', 'defence'],
    words:
      'security cybersecurity secure attack attacks attacker threat threats vulnerability vulnerabilities breach breaches malware ransomware ' +
      'encryption authentication authorization access permissions password credentials risk risks safety safe fire fires hazard hazards ' +
      'incident incidents defense defence military protection audit compliance firewall',
  },
  {
    names: ['sports', 'sport'],
    words: 'sport sports team teams game games match matches player players league season coach tournament championship score goal goals athlete athletes olympic',
  },
  {
    names: ['education', 'learning', 'schools'],
    words: 'education school schools student students teacher teachers classroom university universities curriculum learning course courses exam exams degree tuition',
  },
  {
    names: ['entertainment', 'culture', 'arts', 'media'],
    words: 'entertainment film films movie movies music song songs artist artists album television tv show shows streaming culture art arts museum theatre celebrity',
  },
];
