//! Synthetic complaints for the similarity tests and `examples/similar_bench.rs` (which
//! includes this file by path): petitions in the register of a municipal hotline, assembled
//! from per-kind sentence templates with alternative wordings, random places, people,
//! companies, amounts and dates, and near-duplicates made from them by small edits. Plain std,
//! deterministic from a seed, so a document can be regenerated from its number instead of
//! kept in memory.

/// SplitMix64: small, fast, and good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) < p * (1u64 << 53) as f64
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

pub struct Complaint {
    pub title: String,
    pub body: String,
}

const CITIES: &[&str] = &[
    "杭州市",
    "绍兴市",
    "宁波市",
    "温州市",
    "嘉兴市",
    "湖州市",
    "金华市",
    "台州市",
    "合肥市",
    "南京市",
    "苏州市",
    "无锡市",
    "常州市",
    "南昌市",
    "福州市",
    "厦门市",
    "长沙市",
    "武汉市",
    "郑州市",
    "济南市",
    "青岛市",
    "成都市",
    "重庆市",
    "西安市",
];
const DISTRICTS: &[&str] = &[
    "西湖区",
    "上城区",
    "拱墅区",
    "滨江区",
    "萧山区",
    "余杭区",
    "越城区",
    "柯桥区",
    "诸暨市",
    "鄞州区",
    "海曙区",
    "鹿城区",
    "瓯海区",
    "南湖区",
    "吴兴区",
    "婺城区",
    "椒江区",
    "包河区",
    "蜀山区",
    "鼓楼区",
    "玄武区",
    "姑苏区",
    "梁溪区",
    "天宁区",
    "东湖区",
    "仓山区",
    "思明区",
    "岳麓区",
    "江汉区",
    "金水区",
];
const STREETS: &[&str] = &[
    "北山街道",
    "湖滨街道",
    "文新街道",
    "浦沿街道",
    "城厢街道",
    "南苑街道",
    "府山街道",
    "柯桥街道",
    "暨阳街道",
    "浣东街道",
    "枫桥镇",
    "店口镇",
    "江东街道",
    "五马街道",
    "新桥街道",
    "东栅街道",
    "月河街道",
    "江南街道",
    "三里庵街道",
    "宁海路街道",
    "双塔街道",
    "崇安寺街道",
    "湖坊镇",
    "鼓山镇",
    "桔子洲街道",
    "前进街道",
    "花园路街道",
    "城南街道",
    "长岭街道",
    "白沙街道",
];
const COMMUNITIES: &[&str] = &[
    "幸福里",
    "阳光花园",
    "翠苑一区",
    "金色家园",
    "和平新村",
    "锦绣江南",
    "东方明珠苑",
    "桂花城",
    "滨江花园",
    "紫金港小区",
    "玉泉新村",
    "绿城丽园",
    "龙湖天街",
    "万科城",
    "碧桂园",
    "春江花月",
    "星河湾",
    "凤凰城",
    "新华小区",
    "人民新村",
    "建设二村",
    "工人新村",
    "梅园小区",
    "兰亭苑",
    "荷花池小区",
    "枫林晚苑",
    "望江苑",
    "银河湾",
    "天都城",
    "蓝色钱江",
    "御景湾",
    "世纪新城",
    "海棠花园",
    "学府名苑",
    "南湖人家",
    "清水湾",
    "云栖小镇",
    "骏景花园",
    "水岸香榭",
    "明月山庄",
];
const ROADS: &[&str] = &[
    "解放路",
    "人民路",
    "建设路",
    "中山路",
    "延安路",
    "文一路",
    "学院路",
    "莫干山路",
    "环城北路",
    "新华路",
    "和平路",
    "胜利路",
    "长江路",
    "黄河路",
    "滨江大道",
    "江南大道",
    "湖墅南路",
    "凤起路",
    "体育场路",
    "庆春路",
    "望江路",
    "秋涛路",
    "天目山路",
    "古墩路",
    "丰潭路",
    "教工路",
    "东新路",
    "石桥路",
    "临平大道",
    "金城路",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "建华", "建国", "国强", "海燕", "志强", "玉兰", "春梅", "小红", "晓东",
    "文斌", "红霞", "金凤", "立新", "永生", "德华", "丽萍", "宏伟", "俊杰",
];
const FIRMS: &[&str] = &[
    "宏达",
    "恒信",
    "鑫源",
    "华盛",
    "金鼎",
    "永兴",
    "中天",
    "瑞丰",
    "天成",
    "博远",
    "汇通",
    "诚信",
    "兴业",
    "广厦",
    "东升",
    "新世纪",
    "海纳",
    "鼎盛",
    "嘉禾",
    "盛世",
];
const TRADES: &[&str] = &[
    "建筑工程",
    "装饰工程",
    "物业服务",
    "劳务派遣",
    "物流",
    "餐饮管理",
    "电子科技",
    "服装",
    "家政服务",
    "房地产开发",
    "机械制造",
    "保安服务",
    "教育科技",
    "健身管理",
];
const FILLER: &[&str] = &["的", "了", "是", "在", "有", "我们", "这个", "就", "也", "不", "都", "说", "还"];

/// The templates of one kind of complaint: `(a|b)` picks a wording, `{slot}` a value.
struct Kind {
    titles: &'static [&'static str],
    facts: &'static [&'static str],
    demands: &'static [&'static str],
}

const KINDS: &[Kind] = &[
    Kind {
        titles: &["{co}拖欠工资", "(讨要|追讨){m}个月工资", "农民工工资被(拖欠|克扣)", "反映{cos}欠薪问题"],
        facts: &[
            "我在{co}(做|干)(木工|泥水工|钢筋工|电焊工|小工)，(公司|老板)(已经|一直)(拖欠|克扣)(我们|工人){m}个月工资，(共计|一共|合计){amt}元",
            "包工头{other}以(工程款未结算|甲方没付款|资金周转困难)为由(一直|迟迟)不发工资",
            "(我们|工地上)(一共|共有){n}名工人，每人被欠{amt}元(左右|不等)",
            "{date}(项目完工|工程结束)后，(公司|老板)(承诺|答应){date}前结清，(到现在|至今)(仍未兑现|分文未付)",
            "找(公司财务|项目经理|老板)，(对方|他们)(说老板不在|推说没钱|让我们等)，电话也(打不通|不接)",
            "(劳动监察|人社局)(来过一次|已经立案)，但(问题|工资)(没有解决|还是没拿到)",
            "(过年回家的路费|孩子的学费|家里老人的医药费)都没有着落",
        ],
        demands: &[
            "(要求|请求){cos}(尽快|立即)(支付|结清)拖欠的工资",
            "(请|恳请)劳动部门(督促|责令)用人单位依法支付工资",
        ],
    },
    Kind {
        titles: &[
            "{place}电梯(经常|长期)故障",
            "{place}{bld}电梯(坏了没人修|停运)",
            "电梯(困人|安全隐患)(问题|投诉)",
        ],
        facts: &[
            "(我们|本)小区{bld}的电梯(上个月|最近{n}天)(坏了|停了){n}次",
            "(有|曾有)(老人|孩子|居民)被困(在里面|电梯内){n}十分钟",
            "物业公司(收了|动用了)(维修基金|电梯维保费)(却|但)(迟迟|一直)不(修|更换)",
            "(我们|这栋)楼(有|住着){n}十户人家，(很多是|不少是)(行动不便的老人|带小孩的家庭)",
            "物业费每平米{price}元，(服务却越来越差|钱照收事不办)",
            "电梯(维保单位|维修公司)说(配件要等|需要业主签字|费用谈不拢)",
            "(每次|上下楼都)要爬{n}层楼梯，(腿脚不好|实在吃不消)",
        ],
        demands: &[
            "(请|要求)(市场监管部门|住建部门)(督促|责令)物业(尽快维修|更换电梯)",
            "希望(街道|社区)(协调|督促)物业解决电梯问题",
        ],
    },
    Kind {
        titles: &["{road}工地夜间施工扰民", "(夜间|深夜)施工噪音(扰民|太大)", "{place}附近(工地|施工)噪音"],
        facts: &[
            "{road}(附近|旁边)的(工地|施工现场)每天晚上{hh}点(以后|之后)(还在|仍在)施工",
            "(打桩机|挖掘机|混凝土泵车)(的声音|的噪音)(特别大|震耳欲聋)，(整夜|彻夜)(睡不着|无法入睡)",
            "(渣土车|运输车辆)(来回|整夜)(行驶|进出)，(灰尘|扬尘)(很大|漫天)",
            "(家里|我家)有(高考生|刚出生的孩子|心脏不好的老人)，(严重影响|影响了)(休息|学习)",
            "(工地|施工方)(说|称)(办了夜间施工许可|赶工期)，(态度|说话)(很差|蛮横)",
            "(城管|执法人员)来过(一次|几次)，(走了以后|过后)(照样|又)施工",
        ],
        demands: &[
            "(请|要求)(城管|综合执法)部门(依法查处|制止)夜间施工",
            "希望(晚上|夜间){hh}点后(停止|禁止)施工",
        ],
    },
    Kind {
        titles: &["{place}(违章|违法)搭建", "(一楼|顶楼)住户(私自|违规)搭建", "举报{place}违建"],
        facts: &[
            "{place}{bld}(一楼|顶楼)住户{other}(私自|违规)(搭建|加盖)(阳光房|彩钢棚|小房子)，(面积|大约){n}十平方米",
            "(搭建|违建)(占用|侵占)了(公共绿地|消防通道|楼道)",
            "(挡住了|影响了)(我家|楼上)的(采光|通风)，(还有|存在)(安全隐患|火灾隐患)",
            "(物业|社区)(上门|多次)(劝阻|制止)过，(对方|他们)(不予理睬|照建不误)",
            "(其他住户|邻居)(看了|见状)也(开始|准备)(跟着搭建|效仿)",
        ],
        demands: &[
            "(请|要求)(综合执法|城管)部门(依法拆除|责令拆除)违建",
            "希望(尽快|早日)(恢复原状|拆除违建)",
        ],
    },
    Kind {
        titles: &["{shop}油烟(扰民|直排)", "(楼下|小区底商)饭店油烟(噪音|污染)", "{road}(烧烤|餐馆)油烟"],
        facts: &[
            "(楼下|小区底商)的{shop}(没有|未安装)(油烟净化设施|排烟管道)，油烟(直排|直接排)到(居民楼|我家窗户)",
            "(每天|从中午到)(晚上|凌晨){hh}点(多|左右)(还在|仍在)营业，(油烟|味道)(呛人|很大)",
            "(我家|家里)(窗户|衣服)(都是|沾满)油(污|渍)，(不敢开窗|无法晾衣服)",
            "(空调外机|排风机)(噪音|声音)(很大|很响)，(晚上|夜里)(睡不着|影响休息)",
            "(店主|老板){other}(说|称)(证照齐全|马上整改)，(但|可)(一直|始终)(没改|没有整改)",
        ],
        demands: &[
            "(请|要求)(环保|市场监管)部门(检查|查处)(整改|处理)",
            "(希望|要求)(安装|加装)油烟净化(设施|设备)",
        ],
    },
    Kind {
        titles: &[
            "{road}路面(破损|塌陷)",
            "{road}(井盖缺失|路灯不亮)",
            "(道路|人行道)(坑洼|破损)(问题|危险)",
        ],
        facts: &[
            "{road}(与|和){road}(交叉口|路口)(附近|东侧)(路面|人行道)(破损|塌陷)，(坑|洞)(有|大概){n}十公分深",
            "(晚上|夜里)(路灯|照明)(不亮|坏了)(已经|有){n}(天|个星期)，(行人|电动车)(看不清|容易摔倒)",
            "(井盖|雨水篦子)(缺失|破损)，(只用|仅用)(几块砖|一根木棍)(围着|挡着)",
            "(前天|上周)(有|一位)(老人|骑车的人)(在这里|经过时)摔(倒|伤)了",
            "(下雨天|雨后)(积水|水坑)(很深|严重)，(行人|学生)(无法通行|只能绕行)",
        ],
        demands: &[
            "(请|希望)(市政|住建)部门(尽快|及时)(修复|维修)",
            "(请求|要求)(设置警示标志|尽快处理)(以免|防止)(再有人受伤|发生事故)",
        ],
    },
    Kind {
        titles: &[
            "{place}停车(收费|涨价)(不合理|问题)",
            "小区(停车难|车位)(问题|纠纷)",
            "(物业|开发商)(只售不租|高价卖)车位",
        ],
        facts: &[
            "{place}(物业|停车公司)(突然|擅自)把停车费从每月{price}十元(涨到|上调到){price}百元",
            "(涨价|收费)(没有|未经)(业主大会|业委会)(同意|表决)，(也|更)(没有|未)(公示|备案)",
            "(开发商|物业)(只售不租|只卖不租)，车位(卖|售价){amt}元一个",
            "(外来车辆|外面的车)(随便|随意)(进出|停放)，(业主|我们)(反而|却)(没地方停|找不到车位)",
            "(消防通道|小区道路)(被|上)停满了车，(救护车|消防车)(进不来|无法通行)",
        ],
        demands: &["(请|要求)(发改|物价)部门(核查|查处)停车收费", "希望(规范|整顿)小区停车(管理|秩序)"],
    },
    Kind {
        titles: &["{place}新房(质量|漏水)问题", "(房屋|墙体)(开裂|渗水)", "(交房|新房)质量(投诉|问题)"],
        facts: &[
            "(我|本人)(购买|买)的{place}{bld}{room}(去年|{date})交付，(墙体|天花板)(开裂|裂缝)(严重|多处)",
            "(卫生间|厨房|阳台)(漏水|渗水)(到|至)楼下，(楼下邻居|邻居){other}(多次|天天)(找上门|来找)",
            "(开发商|{co})(答应|承诺)(维修|处理)，(来了|派人来)(几次|{n}次)(都|也)没(修好|解决)",
            "(房子|新房)(还在|仍在)(保修期|质保期)内，(开发商|物业)(却|但)(推诿|推脱)(责任|不管)",
            "(外墙|窗户)(一下雨就|每逢下雨)(渗水|漏水)，(墙面|墙纸)(发霉|脱落)",
        ],
        demands: &[
            "(请|要求)(住建|质监)部门(督促|责令)开发商(维修|整改)",
            "(要求|希望)(开发商|{cos})(赔偿损失|彻底修复)",
        ],
    },
    Kind {
        titles: &[
            "{school}(跑路|关门)(学费|预付费)无法退还",
            "(培训机构|教育机构)(退费难|拒不退费)",
            "{school}(拒绝|不给)退费",
        ],
        facts: &[
            "(我|我们)(给孩子|为孩子)在{school}(报了|交了)(英语|数学|美术|编程)课，(预交|一次性交了)学费{amt}元",
            "{date}(机构|{school})(突然|毫无征兆地)(关门|停课)，(老师|工作人员)(都联系不上|全部离职)",
            "(还剩|剩余){n}十节课(没有上|未上)，(按|依)合同(应该|应)退{amt}元",
            "(和我们|像我们)(一样|这样)的家长(有|还有){n}百多人，(涉及|金额)(总计|共){amt}元",
            "(负责人|校长){other}(说|称)(正在融资|会退费)，(但|却)(一直|至今)(没有|未)退",
        ],
        demands: &[
            "(请|要求)(教育|市场监管)部门(督促|责令)(退还学费|退费)",
            "希望(政府|有关部门)(帮|帮助)(我们|家长)(追回|退回)学费",
        ],
    },
    Kind {
        titles: &[
            "{shop}(预付卡|会员卡)(跑路|无法使用)",
            "(健身房|美容店)(闭店|跑路)",
            "(办卡|充值)(后|以后)(商家|店家)(失联|关门)",
        ],
        facts: &[
            "(我|本人)(在|于){shop}(办了|充值了)(一张|)(会员卡|年卡|储值卡)，(花了|充了){amt}元",
            "{date}(门店|店铺)(突然|已经)(关门|停业)，(门上|门口)(贴了|张贴)(装修通知|转让告示)",
            "(店家|老板){other}(电话|微信)(打不通|不回)，(拉黑|删除)了(会员|顾客)",
            "(卡里|余额)(还有|剩余){amt}元(没有用|未消费)",
            "(受害|办卡)的(人|会员)(有|超过){n}百(多|)人",
        ],
        demands: &[
            "(请|要求)(市场监管|公安)部门(查处|立案)(追回|退还)(余额|费用)",
            "希望(有关部门|政府)(加强|规范)预付卡(监管|管理)",
        ],
    },
    Kind {
        titles: &["{place}暖气不热", "(供暖|暖气)(温度|效果)(不达标|太差)", "(冬天|今冬)供暖(投诉|问题)"],
        facts: &[
            "{place}{bld}(今年|这个冬天)(暖气|供暖)(一直|始终)不热，(室温|屋里)(只有|才){n}度",
            "(交了|缴纳了)(供暖费|取暖费){amt}元，(却|但是)(还是冷|冻得不行)",
            "(热力公司|供热公司)(来测过|上门测温)，(说|称)(管道堵塞|压力不够)，(但|却)(没有|不)(处理|维修)",
            "(家里|我家)有(老人|婴儿)，(只能|不得不)(开空调|用电暖器)(取暖|过冬)",
        ],
        demands: &["(请|要求)(热力|供热)公司(尽快|马上)(排查|维修)", "(要求|希望)(退还|减免)(部分|)供暖费"],
    },
    Kind {
        titles: &[
            "(征收|拆迁)补偿(款|)(不到位|未发放)",
            "{place}(拆迁|征地)(纠纷|补偿)",
            "(安置房|过渡费)(问题|未落实)",
        ],
        facts: &[
            "{place}(地块|片区){date}(开始|启动)(征收|拆迁)，(我家|我们家)(房屋|老房){n}十平方米",
            "(补偿标准|评估价格)(太低|偏低)，(每平方米|每平米)(只|仅)(有|给){price}千元",
            "(过渡费|安置费)(已经|已){m}个月(没有|未)(发放|到账)",
            "(安置房|回迁房)(原定|合同约定){date}(交付|交房)，(现在|至今)(还没|仍未)(动工|开工)",
            "(拆迁办|征收办)(工作人员|的人){other}(态度|说话)(粗暴|强硬)",
        ],
        demands: &[
            "(请|要求)(征收部门|政府)(依法|按政策)(足额|及时)(补偿|发放)",
            "希望(领导|有关部门)(公开|公示)补偿标准",
        ],
    },
    Kind {
        titles: &[
            "{co}(未|不)缴(社保|社会保险)",
            "(公司|单位)(不给|拒绝)(交|缴纳)社保",
            "(社保|医保)(断缴|欠缴)(问题|投诉)",
        ],
        facts: &[
            "(我|本人){date}(入职|进入){co}，(公司|单位)(一直|从未)(给我|为员工)(缴纳|交)(社保|社会保险)",
            "(公司|单位)(每月|每个月)(从工资里|在工资中)(扣了|扣除){amt}元社保(费|)，(却|但)(没有|未)(缴纳|上缴)",
            "(查询|查了)(社保记录|社保缴费记录)(才发现|发现)(断缴|欠缴)了{m}个月",
            "(孩子上学|买房|看病)(需要|要求)(社保|连续缴纳)(证明|记录)，(现在|如今)(办不了|受影响)",
        ],
        demands: &[
            "(请|要求)(人社|社保)部门(责令|督促){cos}(补缴|依法缴纳)社保",
            "希望(有关部门|社保局)(查处|处理)(违法|违规)行为",
        ],
    },
    Kind {
        titles: &[
            "(邻居|住户)养(狗|大型犬)扰民",
            "{place}(遛狗不拴绳|犬只)(问题|伤人)",
            "(烈性犬|大狗)(吓人|咬人)",
        ],
        facts: &[
            "{place}{bld}(住户|邻居){other}(养了|饲养)(一条|{n}条)(大型犬|金毛|阿拉斯加|藏獒)",
            "(遛狗|出门)(不拴绳|不牵绳)，(狗|大狗)(扑向|冲向)(小孩|老人|路人)",
            "(狗|犬只)(半夜|夜里)(狂叫|叫个不停)，(严重|已经)影响(休息|睡眠)",
            "(楼道|电梯|草坪)(里|上)(经常有|到处是)(狗屎|狗粪)，(没人|无人)(清理|打扫)",
            "(上个月|{date})(一个|有个)孩子被(咬伤|咬了)，(打了|花了){amt}元(疫苗|医药费)",
        ],
        demands: &[
            "(请|要求)(公安|执法)部门(依法|按规定)(处理|查处)",
            "希望(社区|物业)(加强|规范)(养犬|犬只)管理",
        ],
    },
];

const OPENINGS: &[&str] = &[
    "我是{city}{district}{street}{place}的(居民|业主|住户)，",
    "(本人|我){name}，(家住|住在){city}{district}{place}{bld}{room}，",
    "{district}{street}{place}(居民|群众)反映：",
    "来电人{name}反映，",
    "(您好|领导好)，我(想|要)反映一个问题，",
    "我(是|系)在{city}打工的(外地|务工)人员，",
    "",
];
const HISTORY: &[&str] = &[
    "(之前|此前|前期)已(多次|几次|{n}次)(拨打|打过)12345热线，(至今|到现在)(没有|还没)(答复|结果|人处理)。",
    "(向|找过)(社区|街道|居委会)(反映|投诉)过(好几次|{n}次)，(都说|他们说)(会处理|在协调)，(但|可是)一直没有下文。",
    "(上个月|{date})(已经|曾)(来信|网上)(反映|投诉)过，(回复|答复)说(已转交|正在处理)，(但|然而)问题依旧。",
    "(我们|大家)(也|还)(找过|联系过){other}，(对方|他)(态度恶劣|不予理睬|互相推诿)。",
];
const CLOSINGS: &[&str] = &[
    "(恳请|请|希望)(有关部门|相关部门|政府|领导)(尽快|早日|抓紧)(处理|解决|落实)，(谢谢|感谢)！",
    "(望|希望)(政府|有关部门)(重视|关注)(此事|这个问题)，(给|还)(我们|老百姓)一个(说法|公道)。",
    "联系电话{phone}。",
    "(如|若)(再|还)不解决，(我们|大家)(只能|将)(继续上访|向上级反映|通过法律途径解决)。",
];

/// The values that stay the same throughout one complaint.
struct Context {
    city: &'static str,
    district: &'static str,
    street: &'static str,
    place: String,
    road: &'static str,
    name: String,
    company: String,
    company_short: String,
    shop: String,
    school: String,
}

fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

impl Context {
    fn new(rng: &mut Rng) -> Context {
        let firm = rng.pick(FIRMS);
        let city = rng.pick(CITIES);
        let place = format!("{}{}", rng.pick(COMMUNITIES), if rng.chance(0.5) { "小区" } else { "" });
        let shop = format!(
            "{}{}",
            rng.pick(SURNAMES),
            rng.pick(&["记烧烤", "记面馆", "家菜馆", "氏健身", "姐美容", "记火锅", "家大排档"])
        );
        Context {
            city,
            district: rng.pick(DISTRICTS),
            street: rng.pick(STREETS),
            place,
            road: rng.pick(ROADS),
            name: person(rng),
            company: format!("{}{}{}有限公司", city.trim_end_matches('市'), firm, rng.pick(TRADES)),
            company_short: format!("{firm}公司"),
            shop,
            school: format!("{}{}", rng.pick(FIRMS), rng.pick(&["教育", "培训学校", "艺术中心", "少儿编程"])),
        }
    }

    fn slot(&self, name: &str, rng: &mut Rng) -> String {
        match name {
            "city" => self.city.into(),
            "district" => self.district.into(),
            "street" => self.street.into(),
            "place" => self.place.clone(),
            "road" => {
                if rng.chance(0.7) {
                    self.road.into()
                } else {
                    rng.pick(ROADS).into()
                }
            }
            "name" => self.name.clone(),
            "other" => person(rng),
            "co" => self.company.clone(),
            "cos" => self.company_short.clone(),
            "shop" => self.shop.clone(),
            "school" => self.school.clone(),
            "amt" => (500 + rng.below(200_000)).to_string(),
            "price" => (1 + rng.below(9)).to_string(),
            "n" => (2 + rng.below(8)).to_string(),
            "m" => (2 + rng.below(12)).to_string(),
            "hh" => (9 + rng.below(4)).to_string(),
            "date" => format!("{}年{}月{}日", 2022 + rng.below(4), 1 + rng.below(12), 1 + rng.below(28)),
            "bld" => format!("{}幢{}单元", 1 + rng.below(30), 1 + rng.below(4)),
            "room" => format!("{}0{}室", 1 + rng.below(30), 1 + rng.below(4)),
            "phone" => format!("1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000)),
            _ => String::new(),
        }
    }

    /// Expands `(a|b)` alternatives and `{slot}` values in `template`.
    fn fill(&self, template: &str, rng: &mut Rng) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find(['(', '{']) {
            out.push_str(&rest[..start]);
            let close = if rest[start..].starts_with('(') { ')' } else { '}' };
            let Some(len) = rest[start..].find(close) else { break };
            let inner = &rest[start + 1..start + len];
            if close == ')' {
                let choices: Vec<&str> = inner.split('|').collect();
                out.push_str(&self.fill(rng.pick(&choices), rng));
            } else {
                out.push_str(&self.slot(inner, rng));
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// A fresh complaint.
pub fn complaint(seed: u64) -> Complaint {
    let mut rng = Rng::new(seed);
    let ctx = Context::new(&mut rng);
    let kind = &KINDS[rng.below(KINDS.len())];
    let title = ctx.fill(rng.pick(kind.titles), &mut rng);
    let mut body = ctx.fill(rng.pick(OPENINGS), &mut rng);
    // Two to four of the kind's facts, in random order.
    let mut facts: Vec<&str> = kind.facts.to_vec();
    let count = 2 + rng.below(3);
    for i in 0..count.min(facts.len()) {
        let j = i + rng.below(facts.len() - i);
        facts.swap(i, j);
        body.push_str(&ctx.fill(facts[i], &mut rng));
        body.push_str(if i + 1 == count { "。" } else { "，" });
    }
    if rng.chance(0.6) {
        body.push_str(&ctx.fill(rng.pick(HISTORY), &mut rng));
    }
    body.push_str(&ctx.fill(rng.pick(kind.demands), &mut rng));
    body.push('。');
    if rng.chance(0.7) {
        body.push_str(&ctx.fill(rng.pick(CLOSINGS), &mut rng));
    }
    Complaint { title, body }
}

/// A re-filing of `original` with small edits: a few characters inserted, deleted or replaced,
/// and sometimes two clauses swapped, one dropped or a sentence added. One in five is reworded
/// more heavily (up to fifteen character edits), so that some pairs fall near a threshold of 0.5.
pub fn near_duplicate(original: &Complaint, seed: u64) -> Complaint {
    let mut rng = Rng::new(seed);
    let mut clauses: Vec<String> =
        original.body.split_inclusive(['，', '。', '：', '！']).map(String::from).collect();
    if clauses.len() > 2 && rng.chance(0.4) {
        let i = rng.below(clauses.len() - 1);
        clauses.swap(i, i + 1);
    }
    if clauses.len() > 3 && rng.chance(0.25) {
        clauses.remove(rng.below(clauses.len()));
    }
    if rng.chance(0.25) {
        let ctx = Context::new(&mut rng);
        clauses.push(ctx.fill(rng.pick(HISTORY), &mut rng));
    }
    let mut body: Vec<char> = clauses.concat().chars().collect();
    let edits = if rng.chance(0.2) { 6 + rng.below(10) } else { 1 + rng.below(5) };
    for _ in 0..edits {
        let at = rng.below(body.len() + 1);
        match rng.below(3) {
            0 => {
                for (k, c) in rng.pick(FILLER).chars().enumerate() {
                    body.insert(at + k, c);
                }
            }
            1 if at < body.len() => {
                body.remove(at);
            }
            _ if at < body.len() => body[at] = rng.pick(FILLER).chars().next().unwrap_or('的'),
            _ => {}
        }
    }
    let title =
        if rng.chance(0.3) { format!("再次反映：{}", original.title) } else { original.title.clone() };
    Complaint { title, body: body.into_iter().collect() }
}

/// Document `i` of the corpus generated from `seed`: one in eight is a near-duplicate of an
/// earlier document that is not itself one.
pub fn document(seed: u64, i: u64) -> Complaint {
    let doc_seed = seed ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d);
    if i % 8 == 7 {
        let mut rng = Rng::new(doc_seed);
        let j = rng.below(i as usize) as u64;
        let j = if j % 8 == 7 { j - 1 } else { j };
        near_duplicate(&document(seed, j), rng.next_u64())
    } else {
        complaint(doc_seed)
    }
}
